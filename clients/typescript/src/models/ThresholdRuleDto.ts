/* generated using openapi-typescript-codegen -- do not edit */
/* istanbul ignore file */
/* tslint:disable */
/* eslint-disable */
export type ThresholdRuleDto = {
    comparison: '>' | '>=' | '<' | '<=';
    value: number;
    /**
     * the metric must hold for this many seconds
     */
    forSeconds?: number;
    /**
     * servers added or removed when the rule fires
     */
    step?: number;
};

