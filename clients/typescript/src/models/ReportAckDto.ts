/* generated using openapi-typescript-codegen -- do not edit */
/* istanbul ignore file */
/* tslint:disable */
/* eslint-disable */
export type ReportAckDto = {
    /**
     * reports stored by this call
     */
    accepted: number;
    /**
     * reports already stored earlier (same agentId and seq), ignored
     */
    duplicates: number;
    /**
     * backend and agent samples stored by this call
     */
    samples: number;
};

