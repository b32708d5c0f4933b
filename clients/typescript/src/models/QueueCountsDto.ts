/* generated using openapi-typescript-codegen -- do not edit */
/* istanbul ignore file */
/* tslint:disable */
/* eslint-disable */
export type QueueCountsDto = {
    name: 'telemetry' | 'analysis' | 'allocation' | 'updates' | 'webhooks';
    waiting: number;
    active: number;
    delayed: number;
    completed: number;
    failed: number;
    paused: number;
};

