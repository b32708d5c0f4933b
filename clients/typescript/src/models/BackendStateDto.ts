/* generated using openapi-typescript-codegen -- do not edit */
/* istanbul ignore file */
/* tslint:disable */
/* eslint-disable */
export type BackendStateDto = {
    agentId: string;
    serverId: string;
    serviceId: string;
    /**
     * seq of the report that said so
     */
    seq: number;
    /**
     * end of that report's interval
     */
    reportedAt: string;
    healthy: boolean;
    draining: boolean;
    /**
     * requests in that interval
     */
    requests: number;
    inFlight: number;
    openConnections: number;
};

