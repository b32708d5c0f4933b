/* generated using openapi-typescript-codegen -- do not edit */
/* istanbul ignore file */
/* tslint:disable */
/* eslint-disable */
import type { AgentDto } from '../models/AgentDto';
import type { AssignAgentDto } from '../models/AssignAgentDto';
import type { EnrolAgentDto } from '../models/EnrolAgentDto';
import type { EnrolledAgentDto } from '../models/EnrolledAgentDto';
import type { HeartbeatDto } from '../models/HeartbeatDto';
import type { CancelablePromise } from '../core/CancelablePromise';
import type { BaseHttpRequest } from '../core/BaseHttpRequest';
export class AgentsService {
    constructor(public readonly httpRequest: BaseHttpRequest) {}
    /**
     * List agents with their online / stale / offline status
     * @returns AgentDto OK
     * @throws ApiError
     */
    public listAgents({
        status,
    }: {
        status?: 'online' | 'stale' | 'offline',
    }): CancelablePromise<Array<AgentDto>> {
        return this.httpRequest.request({
            method: 'GET',
            url: '/v1/agents',
            query: {
                'status': status,
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
     * Enrol an agent with an enrolment token; returns its credential once
     * @returns EnrolledAgentDto Created
     * @throws ApiError
     */
    public enrolAgent({
        requestBody,
    }: {
        requestBody: EnrolAgentDto,
    }): CancelablePromise<EnrolledAgentDto> {
        return this.httpRequest.request({
            method: 'POST',
            url: '/v1/agents/enrol',
            body: requestBody,
            mediaType: 'application/json',
            errors: {
                400: `invalid input; \`errors\` names each field`,
                401: `no valid API key`,
                500: `unexpected error; the detail is hidden, quote the requestId`,
            },
        });
    }
    /**
     * Get one agent
     * @returns AgentDto OK
     * @throws ApiError
     */
    public getAgent({
        id,
    }: {
        id: string,
    }): CancelablePromise<AgentDto> {
        return this.httpRequest.request({
            method: 'GET',
            url: '/v1/agents/{id}',
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
    /**
     * Revoke an agent and its credential
     * @returns void
     * @throws ApiError
     */
    public revokeAgent({
        id,
    }: {
        id: string,
    }): CancelablePromise<void> {
        return this.httpRequest.request({
            method: 'DELETE',
            url: '/v1/agents/{id}',
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
    /**
     * Assign an agent to a service (it then serves only its services)
     * @returns AgentDto OK
     * @throws ApiError
     */
    public assignAgent({
        id,
        requestBody,
    }: {
        id: string,
        requestBody: AssignAgentDto,
    }): CancelablePromise<AgentDto> {
        return this.httpRequest.request({
            method: 'POST',
            url: '/v1/agents/{id}/assignments',
            path: {
                'id': id,
            },
            body: requestBody,
            mediaType: 'application/json',
            errors: {
                400: `invalid input; \`errors\` names each field`,
                401: `no valid API key`,
                403: `the key lacks the scope this call needs`,
                404: `no such resource`,
                500: `unexpected error; the detail is hidden, quote the requestId`,
            },
        });
    }
    /**
     * Return an agent from a service
     * @returns AgentDto OK
     * @throws ApiError
     */
    public unassignAgent({
        id,
        serviceId,
    }: {
        id: string,
        serviceId: string,
    }): CancelablePromise<AgentDto> {
        return this.httpRequest.request({
            method: 'DELETE',
            url: '/v1/agents/{id}/assignments/{serviceId}',
            path: {
                'id': id,
                'serviceId': serviceId,
            },
            errors: {
                400: `invalid input; \`errors\` names each field`,
                401: `no valid API key`,
                403: `the key lacks the scope this call needs`,
                404: `no such resource`,
                409: `the change conflicts with the current state`,
                500: `unexpected error; the detail is hidden, quote the requestId`,
            },
        });
    }
    /**
     * An agent says it is alive
     * @returns AgentDto OK
     * @throws ApiError
     */
    public agentHeartbeat({
        id,
        requestBody,
    }: {
        id: string,
        requestBody: HeartbeatDto,
    }): CancelablePromise<AgentDto> {
        return this.httpRequest.request({
            method: 'POST',
            url: '/v1/agents/{id}/heartbeat',
            path: {
                'id': id,
            },
            body: requestBody,
            mediaType: 'application/json',
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
