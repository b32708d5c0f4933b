/* generated using openapi-typescript-codegen -- do not edit */
/* istanbul ignore file */
/* tslint:disable */
/* eslint-disable */
import type { AgentCapabilityDto } from './AgentCapabilityDto';
export type CapabilitiesDto = {
    kind: 'server' | 'agent';
    id: string;
    /**
     * the objective used (the server's service's p95 objective)
     */
    latencyObjectiveMs: number | null;
    windowSeconds: number;
    /**
     * highest requests/s sustained with p95 within the objective
     */
    rpsWithinObjective: number | null;
    /**
     * highest in-flight count with p95 within the objective
     */
    inFlightWithinObjective: number | null;
    /**
     * lowest requests/s at which the objective was missed
     */
    rpsAtFirstMiss: number | null;
    /**
     * report intervals with traffic
     */
    intervals: number;
    intervalsOverObjective: number;
    /**
     * low: a lower bound (never pushed past the objective) or few intervals
     */
    confidence: 'none' | 'low' | 'high';
    /**
     * per agent: the share each agent observed
     */
    perAgent: Array<AgentCapabilityDto>;
};

