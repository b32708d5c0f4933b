/* generated using openapi-typescript-codegen -- do not edit */
/* istanbul ignore file */
/* tslint:disable */
/* eslint-disable */
import type { LoadValueDto } from './LoadValueDto';
export type BackendLoadDto = {
    format: 'json' | 'prometheus';
    /**
     * why the scrape failed, if it did
     */
    error?: string;
    values: Array<LoadValueDto>;
};

