/* generated using openapi-typescript-codegen -- do not edit */
/* istanbul ignore file */
/* tslint:disable */
/* eslint-disable */
import type { DependencyCheckDto } from './DependencyCheckDto';
export type HealthResultDto = {
    status: 'ok';
    /**
     * the dependencies that answer
     */
    info: Record<string, DependencyCheckDto>;
    /**
     * the dependencies that do not (empty when ready)
     */
    error: Record<string, DependencyCheckDto>;
    /**
     * every dependency
     */
    details: Record<string, DependencyCheckDto>;
};

