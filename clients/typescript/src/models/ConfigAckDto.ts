/* generated using openapi-typescript-codegen -- do not edit */
/* istanbul ignore file */
/* tslint:disable */
/* eslint-disable */
export type ConfigAckDto = {
    version: number;
    status: 'applied' | 'rejected';
    /**
     * why the agent rejected the revision
     */
    error?: string;
};

