/* generated using openapi-typescript-codegen -- do not edit */
/* istanbul ignore file */
/* tslint:disable */
/* eslint-disable */
export type UpdateServerDto = {
    name?: string;
    host?: string;
    port?: number;
    protocol?: 'http' | 'https';
    weight?: number;
    labels?: Record<string, string>;
    zone?: string | null;
    maxConnections?: number | null;
};

