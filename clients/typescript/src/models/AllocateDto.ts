/* generated using openapi-typescript-codegen -- do not edit */
/* istanbul ignore file */
/* tslint:disable */
/* eslint-disable */
export type AllocateDto = {
    /**
     * how many free servers to claim; give this or serverIds
     */
    count?: number;
    /**
     * exactly these free servers; give this or count
     */
    serverIds?: Array<string>;
};

