/* generated using openapi-typescript-codegen -- do not edit */
/* istanbul ignore file */
/* tslint:disable */
/* eslint-disable */
export type ServerSelectorDto = {
    /**
     * every label must match
     */
    labels?: Record<string, string>;
    zones?: Array<string>;
};

