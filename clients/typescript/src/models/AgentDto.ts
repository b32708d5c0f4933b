/* generated using openapi-typescript-codegen -- do not edit */
/* istanbul ignore file */
/* tslint:disable */
/* eslint-disable */
export type AgentDto = {
    id: string;
    name: string;
    status: 'online' | 'stale' | 'offline';
    lastSeenAt: string | null;
    enrolledAt: string;
    softwareVersion: string | null;
    address: string | null;
    /**
     * services this agent is assigned to; empty means it is free and serves every service
     */
    serviceIds: Array<string>;
};

