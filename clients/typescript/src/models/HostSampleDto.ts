/* generated using openapi-typescript-codegen -- do not edit */
/* istanbul ignore file */
/* tslint:disable */
/* eslint-disable */
export type HostSampleDto = {
    /**
     * CPU use of the agent process, percent of one core
     */
    cpuPercent: number;
    /**
     * host-wide CPU use, percent of all cores
     */
    hostCpuPercent: number;
    memoryRssBytes: number;
    memoryTotalBytes: number;
    memoryFreeBytes: number;
    loadAverage1: number;
    eventLoopDelayP50Ms: number;
    eventLoopDelayP99Ms: number;
    eventLoopDelayMaxMs: number;
};

