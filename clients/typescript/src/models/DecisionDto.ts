/* generated using openapi-typescript-codegen -- do not edit */
/* istanbul ignore file */
/* tslint:disable */
/* eslint-disable */
export type DecisionDto = {
    id: string;
    serviceId: string;
    policyId: string | null;
    createdAt: string;
    /**
     * what was sized: the service's backend servers or the agents assigned to it
     */
    pool: 'servers' | 'agents';
    action: 'scale_out' | 'scale_in' | 'replace' | 'no_change' | 'hold';
    /**
     * recorded (nothing to do), dry_run, pending, fulfilled, partially_fulfilled, unfulfilled
     */
    status: 'recorded' | 'dry_run' | 'pending' | 'fulfilled' | 'partially_fulfilled' | 'unfulfilled';
    /**
     * servers held when evaluated (allocated + allocating), or agents assigned for pool agents
     */
    current: number;
    /**
     * what the metric alone asked for, within min/max
     */
    recommended: number | null;
    desired: number;
    delta: number;
    reason: string;
    /**
     * pool, policy (as evaluated), metric {name, value, reporting, detail, ageMs, staleAfterMs, totalRps, capabilityRps}, window {seconds, values [{t, v}]}, formula, limits [..], servers {allocated, allocating, draining} or agents {assigned, online}, inProgress, replica
     */
    evidence: Record<string, any>;
    /**
     * the shadow policy on the same data: action, recommended, desired, reason, formula, differs
     */
    shadow: Record<string, any> | null;
    /**
     * servers allocated, released or replaced
     */
    serverIds: Array<string>;
    /**
     * agents assigned or released (pool agents)
     */
    agentIds: Array<string>;
    /**
     * how the execution went (e.g. why it was unfulfilled)
     */
    outcome: string | null;
    executedAt: string | null;
};

