/* generated using openapi-typescript-codegen -- do not edit */
/* istanbul ignore file */
/* tslint:disable */
/* eslint-disable */
import type { DependencyCheckDto } from './DependencyCheckDto';
import type { FieldErrorDto } from './FieldErrorDto';
export type NotReadyProblemDto = {
    type: string;
    title: string;
    status: number;
    detail?: string;
    instance?: string;
    requestId?: string;
    errors?: Array<FieldErrorDto>;
    /**
     * every dependency with its state
     */
    checks: Record<string, DependencyCheckDto>;
    /**
     * the dependencies that are down
     */
    down: Array<string>;
};

