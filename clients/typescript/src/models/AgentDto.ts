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
    /**
     * the configuration revision the agent runs
     */
    configVersion: number | null;
    /**
     * the newest revision built for it
     */
    latestVersion: number | null;
    /**
     * how many revisions it is behind
     */
    revisionsBehind: number;
    /**
     * seconds since the oldest revision it has not applied was built
     */
    behindForSeconds: number | null;
    /**
     * the last revision it rejected
     */
    rejectedVersion: number | null;
    /**
     * why it rejected that revision
     */
    rejectedError: string | null;
};

