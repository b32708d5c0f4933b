/* generated using openapi-typescript-codegen -- do not edit */
/* istanbul ignore file */
/* tslint:disable */
/* eslint-disable */
import type { ErrorCountDto } from './ErrorCountDto';
import type { HistogramDto } from './HistogramDto';
export type TrafficSampleDto = {
    requests: number;
    responses1xx: number;
    responses2xx: number;
    responses3xx: number;
    responses4xx: number;
    responses5xx: number;
    /**
     * gauge at the end of the interval
     */
    inFlight: number;
    /**
     * gauge at the end of the interval
     */
    openConnections: number;
    bytesIn: number;
    bytesOut: number;
    errors: Array<ErrorCountDto>;
    latency: HistogramDto;
};

