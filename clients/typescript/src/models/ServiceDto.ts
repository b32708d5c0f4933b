/* generated using openapi-typescript-codegen -- do not edit */
/* istanbul ignore file */
/* tslint:disable */
/* eslint-disable */
import type { HealthCheckViewDto } from './HealthCheckViewDto';
import type { MatchRuleDto } from './MatchRuleDto';
import type { ScalingBoundsDto } from './ScalingBoundsDto';
export type ServiceDto = {
    id: string;
    name: string;
    match: MatchRuleDto;
    algorithm: 'round_robin' | 'weighted_round_robin' | 'least_request';
    healthCheck: HealthCheckViewDto;
    scaling: ScalingBoundsDto;
    loadEndpoint: string | null;
    latencyObjectiveMs: number;
    createdAt: string;
    updatedAt: string;
};

