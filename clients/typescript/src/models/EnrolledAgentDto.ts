/* generated using openapi-typescript-codegen -- do not edit */
/* istanbul ignore file */
/* tslint:disable */
/* eslint-disable */
export type EnrolledAgentDto = {
    id: string;
    /**
     * the agent's own credential; shown once, send it as Authorization: Bearer
     */
    credential: string;
};

