/* generated using openapi-typescript-codegen -- do not edit */
/* istanbul ignore file */
/* tslint:disable */
/* eslint-disable */
import type { MetricSeriesDto } from './MetricSeriesDto';
export type MetricsResponseDto = {
    from: string;
    to: string;
    step: number;
    source: 'raw' | 'rollup';
    series: Array<MetricSeriesDto>;
};

