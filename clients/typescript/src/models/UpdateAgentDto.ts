/* generated using openapi-typescript-codegen -- do not edit */
/* istanbul ignore file */
/* tslint:disable */
/* eslint-disable */
export type UpdateAgentDto = {
    agentId: string;
    /**
     * the revision this update gave the agent
     */
    version: number;
    state: 'pending' | 'acked' | 'rejected' | 'stale' | 'verified';
    error: string | null;
    ackedAt: string | null;
    verifiedAt: string | null;
};

