/* generated using openapi-typescript-codegen -- do not edit */
/* istanbul ignore file */
/* tslint:disable */
/* eslint-disable */
import type { BackendSampleDto } from './BackendSampleDto';
import type { HostSampleDto } from './HostSampleDto';
import type { TrafficSampleDto } from './TrafficSampleDto';
export type ReportDto = {
    /**
     * per-agent sequence number; the management API stores each (agentId, seq) once
     */
    seq: number;
    agentId: string;
    intervalStart: string;
    intervalEnd: string;
    host: HostSampleDto;
    /**
     * all traffic through the agent
     */
    agent: TrafficSampleDto;
    backends: Array<BackendSampleDto>;
};

