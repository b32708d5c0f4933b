/* generated using openapi-typescript-codegen -- do not edit */
/* istanbul ignore file */
/* tslint:disable */
/* eslint-disable */
import type { FieldErrorDto } from './FieldErrorDto';
export type ProblemDto = {
    type: string;
    title: string;
    status: number;
    detail?: string;
    instance?: string;
    requestId?: string;
    errors?: Array<FieldErrorDto>;
};

