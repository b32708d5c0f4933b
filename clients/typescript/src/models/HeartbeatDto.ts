/* generated using openapi-typescript-codegen -- do not edit */
/* istanbul ignore file */
/* tslint:disable */
/* eslint-disable */
export type HeartbeatDto = {
    softwareVersion?: string;
    /**
     * where the agent serves clients, e.g. 10.0.0.5:8000
     */
    address?: string;
    /**
     * the configuration revision the agent serves (counts as an ack when newer)
     */
    configVersion?: number;
};

