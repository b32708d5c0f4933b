/* generated using openapi-typescript-codegen -- do not edit */
/* istanbul ignore file */
/* tslint:disable */
/* eslint-disable */
import type { HealthCheckDto } from './HealthCheckDto';
import type { MatchRuleDto } from './MatchRuleDto';
import type { ScalingBoundsDto } from './ScalingBoundsDto';
export type CreateServiceDto = {
    name: string;
    match: MatchRuleDto;
    algorithm?: 'round_robin' | 'weighted_round_robin' | 'least_request';
    healthCheck?: HealthCheckDto;
    scaling?: ScalingBoundsDto;
    /**
     * path on each backend that reports its own load
     */
    loadEndpoint?: string;
    /**
     * latency objective (p95) in milliseconds
     */
    latencyObjectiveMs?: number;
};

