/* generated using openapi-typescript-codegen -- do not edit */
/* istanbul ignore file */
/* tslint:disable */
/* eslint-disable */
export type CreateServerDto = {
    name: string;
    /**
     * IP address or DNS name
     */
    host: string;
    port: number;
    protocol?: 'http' | 'https';
    weight?: number;
    labels?: Record<string, string>;
    zone?: string;
    /**
     * the most concurrent requests an agent sends to this server
     */
    maxConnections?: number;
};

