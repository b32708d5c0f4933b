/* generated using openapi-typescript-codegen -- do not edit */
/* istanbul ignore file */
/* tslint:disable */
/* eslint-disable */
import type { ServerDto } from './ServerDto';
export type PoolDto = {
    /**
     * null for the free pool
     */
    serviceId: string | null;
    serviceName: string | null;
    /**
     * server count by state
     */
    counts: Record<string, number>;
    servers: Array<ServerDto>;
};

