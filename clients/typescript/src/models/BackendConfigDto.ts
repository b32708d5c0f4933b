/* generated using openapi-typescript-codegen -- do not edit */
/* istanbul ignore file */
/* tslint:disable */
/* eslint-disable */
import type { BackendTlsDto } from './BackendTlsDto';
export type BackendConfigDto = {
    /**
     * the server id
     */
    id: string;
    name: string;
    host: string;
    port: number;
    protocol: 'http' | 'https';
    weight: number;
    /**
     * most concurrent requests to this backend
     */
    maxConnections?: number;
    tls?: BackendTlsDto;
};

