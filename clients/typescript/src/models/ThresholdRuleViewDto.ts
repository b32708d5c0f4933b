/* generated using openapi-typescript-codegen -- do not edit */
/* istanbul ignore file */
/* tslint:disable */
/* eslint-disable */
export type ThresholdRuleViewDto = {
    comparison: '>' | '>=' | '<' | '<=';
    value: number;
    forSeconds: number;
    step: number;
};

