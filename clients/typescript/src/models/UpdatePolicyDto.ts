/* generated using openapi-typescript-codegen -- do not edit */
/* istanbul ignore file */
/* tslint:disable */
/* eslint-disable */
import type { ServerSelectorDto } from './ServerSelectorDto';
import type { ThresholdRuleDto } from './ThresholdRuleDto';
export type UpdatePolicyDto = {
    /**
     * target-tracking: the metric value per server to hold
     */
    target?: number;
    /**
     * threshold: when to add servers
     */
    scaleOut?: ThresholdRuleDto;
    /**
     * threshold: when to remove servers
     */
    scaleIn?: ThresholdRuleDto;
    /**
     * fraction of the target inside which nothing changes
     */
    tolerance?: number;
    /**
     * servers at least (default: the service's scaling.min); agents at least for pool agents (default 1)
     */
    min?: number;
    /**
     * servers at most (default and upper bound: the service's scaling.max); agents at most for pool agents (required there)
     */
    max?: number;
    scaleOutStabilizationSeconds?: number;
    /**
     * scale in to the highest recommendation of this window
     */
    scaleInStabilizationSeconds?: number;
    /**
     * no further change this long after one
     */
    cooldownSeconds?: number;
    /**
     * most servers added per rolling minute; null: no limit
     */
    maxAddPerMinute?: number | null;
    /**
     * most scale changes per rolling hour; null: no limit
     */
    flapBudgetPerHour?: number | null;
    /**
     * seconds of metric history kept as evidence (threshold rules read their own forSeconds)
     */
    evaluationWindowSeconds?: number;
    /**
     * record decisions without acting
     */
    dryRun?: boolean;
    /**
     * also store every evaluation that changes nothing (about one per second) as a no_change decision; by default only decisions that act, holds (when their reason starts, then once a minute) and shadow disagreements are stored
     */
    recordNoChange?: boolean;
    /**
     * which free servers scale-out may take
     */
    selector?: ServerSelectorDto;
    /**
     * spread new servers across zones
     */
    spreadZones?: boolean;
    /**
     * replace a server every agent reports unhealthy this long; null: never
     */
    replaceUnhealthyAfterSeconds?: number | null;
    type?: 'target-tracking' | 'threshold';
    metric?: 'inflight_per_server' | 'rps_per_server' | 'p95_latency_ms' | 'error_rate' | 'cpu' | 'load';
};

