/* generated using openapi-typescript-codegen -- do not edit */
/* istanbul ignore file */
/* tslint:disable */
/* eslint-disable */
export type MetricPointDto = {
    /**
     * start of the step
     */
    't': string;
    'v': number;
};

