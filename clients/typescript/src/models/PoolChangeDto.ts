/* generated using openapi-typescript-codegen -- do not edit */
/* istanbul ignore file */
/* tslint:disable */
/* eslint-disable */
import type { ServerDto } from './ServerDto';
export type PoolChangeDto = {
    serviceId: string;
    /**
     * the servers this call moved
     */
    servers: Array<ServerDto>;
};

