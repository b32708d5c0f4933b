/* generated using openapi-typescript-codegen -- do not edit */
/* istanbul ignore file */
/* tslint:disable */
/* eslint-disable */
export type DependencyCheckDto = {
    status: 'up' | 'down';
    /**
     * why the dependency is down
     */
    message?: string;
};

