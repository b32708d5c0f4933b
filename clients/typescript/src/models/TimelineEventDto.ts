/* generated using openapi-typescript-codegen -- do not edit */
/* istanbul ignore file */
/* tslint:disable */
/* eslint-disable */
export type TimelineEventDto = {
    at: string;
    event: string;
    detail?: string;
    agentId?: string;
};

