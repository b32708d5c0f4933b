/* generated using openapi-typescript-codegen -- do not edit */
/* istanbul ignore file */
/* tslint:disable */
/* eslint-disable */
export type ServerDto = {
    id: string;
    name: string;
    host: string;
    port: number;
    protocol: 'http' | 'https';
    weight: number;
    labels: Record<string, string>;
    zone: string | null;
    maxConnections: number | null;
    state: 'free' | 'allocating' | 'allocated' | 'draining' | 'quarantined' | 'retired';
    /**
     * null when the server is in the free pool
     */
    serviceId: string | null;
    stateReason: string | null;
    stateChangedAt: string;
    registeredAt: string;
    updatedAt: string;
};

