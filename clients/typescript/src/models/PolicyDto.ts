/* generated using openapi-typescript-codegen -- do not edit */
/* istanbul ignore file */
/* tslint:disable */
/* eslint-disable */
import type { ServerSelectorViewDto } from './ServerSelectorViewDto';
import type { ThresholdRuleViewDto } from './ThresholdRuleViewDto';
export type PolicyDto = {
    id: string;
    serviceId: string;
    role: 'live' | 'shadow';
    pool: 'servers' | 'agents';
    type: 'target-tracking' | 'threshold';
    metric: 'inflight_per_server' | 'rps_per_server' | 'p95_latency_ms' | 'error_rate' | 'cpu' | 'load';
    target: number | null;
    scaleOut: ThresholdRuleViewDto | null;
    scaleIn: ThresholdRuleViewDto | null;
    tolerance: number;
    min: number | null;
    max: number | null;
    scaleOutStabilizationSeconds: number;
    scaleInStabilizationSeconds: number;
    cooldownSeconds: number;
    maxAddPerMinute: number | null;
    flapBudgetPerHour: number | null;
    evaluationWindowSeconds: number;
    dryRun: boolean;
    recordNoChange: boolean;
    selector: ServerSelectorViewDto | null;
    spreadZones: boolean;
    replaceUnhealthyAfterSeconds: number | null;
    createdAt: string;
    updatedAt: string;
};

