/* generated using openapi-typescript-codegen -- do not edit */
/* istanbul ignore file */
/* tslint:disable */
/* eslint-disable */
export type AgentSettingsDto = {
    reportIntervalMs: number;
    drainTimeoutMs: number;
    connectTimeoutMs: number;
    responseHeadersTimeoutMs: number;
    idleBodyTimeoutMs: number;
    /**
     * client must send its headers within this
     */
    requestHeadersTimeoutMs: number;
    /**
     * most concurrent client connections
     */
    maxClientConnections: number;
    /**
     * consecutive 5xx or connect failures that eject a backend
     */
    outlierConsecutiveFailures: number;
    outlierBaseEjectionMs: number;
    /**
     * retries may add at most this percentage to requests
     */
    retryBudgetPercent: number;
    /**
     * new backends ramp up their share over this window
     */
    slowStartMs: number;
};

