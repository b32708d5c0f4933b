/* generated using openapi-typescript-codegen -- do not edit */
/* istanbul ignore file */
/* tslint:disable */
/* eslint-disable */
export type EnrolAgentDto = {
    /**
     * an enrolment token from POST /v1/enrolment-tokens
     */
    token: string;
    name: string;
    softwareVersion?: string;
};

