/* generated using openapi-typescript-codegen -- do not edit */
/* istanbul ignore file */
/* tslint:disable */
/* eslint-disable */
export type AgentCapabilityDto = {
    agentId: string;
    rpsWithinObjective: number | null;
    intervals: number;
    intervalsOverObjective: number;
};

