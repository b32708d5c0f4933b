/* generated using openapi-typescript-codegen -- do not edit */
/* istanbul ignore file */
/* tslint:disable */
/* eslint-disable */
export type DeallocateDto = {
    /**
     * how many servers to release (newest first); give this or serverIds
     */
    count?: number;
    serverIds?: Array<string>;
};

