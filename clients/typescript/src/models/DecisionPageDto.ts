/* generated using openapi-typescript-codegen -- do not edit */
/* istanbul ignore file */
/* tslint:disable */
/* eslint-disable */
import type { DecisionDto } from './DecisionDto';
export type DecisionPageDto = {
    items: Array<DecisionDto>;
    nextCursor: string | null;
};

