/* generated using openapi-typescript-codegen -- do not edit */
/* istanbul ignore file */
/* tslint:disable */
/* eslint-disable */
export type HistogramDto = {
    count: number;
    /**
     * sum of recorded values, µs
     */
    sum: number;
    /**
     * µs
     */
    min: number;
    /**
     * µs
     */
    max: number;
    /**
     * sparse "bucketIndex:count" pairs, ascending
     */
    buckets: string;
};

