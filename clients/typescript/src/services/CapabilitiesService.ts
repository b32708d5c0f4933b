/* generated using openapi-typescript-codegen -- do not edit */
/* istanbul ignore file */
/* tslint:disable */
/* eslint-disable */
import type { CapabilitiesDto } from '../models/CapabilitiesDto';
import type { CancelablePromise } from '../core/CancelablePromise';
import type { BaseHttpRequest } from '../core/BaseHttpRequest';
export class CapabilitiesService {
    constructor(public readonly httpRequest: BaseHttpRequest) {}
    /**
     * Throughput an agent itself sustains within a latency objective, learned from its own samples
     * @returns CapabilitiesDto OK
     * @throws ApiError
     */
    public getAgentCapabilities({
        id,
        objectiveMs = 250,
    }: {
        id: string,
        /**
         * latency objective (p95, ms) for the agent itself
         */
        objectiveMs?: number,
    }): CancelablePromise<CapabilitiesDto> {
        return this.httpRequest.request({
            method: 'GET',
            url: '/v1/agents/{id}/capabilities',
            path: {
                'id': id,
            },
            query: {
                'objectiveMs': objectiveMs,
            },
            errors: {
                400: `invalid input; \`errors\` names each field`,
                401: `no valid API key`,
                403: `the key lacks the scope this call needs`,
                500: `unexpected error; the detail is hidden, quote the requestId`,
            },
        });
    }
    /**
     * Throughput a server sustains within its service's latency objective, learned from telemetry
     * @returns CapabilitiesDto OK
     * @throws ApiError
     */
    public getServerCapabilities({
        id,
    }: {
        id: string,
    }): CancelablePromise<CapabilitiesDto> {
        return this.httpRequest.request({
            method: 'GET',
            url: '/v1/servers/{id}/capabilities',
            path: {
                'id': id,
            },
            errors: {
                400: `invalid input; \`errors\` names each field`,
                401: `no valid API key`,
                403: `the key lacks the scope this call needs`,
                404: `no such resource`,
                500: `unexpected error; the detail is hidden, quote the requestId`,
            },
        });
    }
}
