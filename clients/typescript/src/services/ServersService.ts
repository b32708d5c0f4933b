/* generated using openapi-typescript-codegen -- do not edit */
/* istanbul ignore file */
/* tslint:disable */
/* eslint-disable */
import type { CreateServerDto } from '../models/CreateServerDto';
import type { ServerDto } from '../models/ServerDto';
import type { ServerPageDto } from '../models/ServerPageDto';
import type { TransitionServerDto } from '../models/TransitionServerDto';
import type { UpdateServerDto } from '../models/UpdateServerDto';
import type { CancelablePromise } from '../core/CancelablePromise';
import type { BaseHttpRequest } from '../core/BaseHttpRequest';
export class ServersService {
    constructor(public readonly httpRequest: BaseHttpRequest) {}
    /**
     * List servers with filters and cursor pagination
     * @returns ServerPageDto OK
     * @throws ApiError
     */
    public listServers({
        state,
        service,
        selector,
        limit = 50,
        cursor,
    }: {
        state?: 'free' | 'allocating' | 'allocated' | 'draining' | 'quarantined' | 'retired',
        /**
         * a service id, or "none" for the free pool
         */
        service?: string,
        /**
         * label selector: k=v pairs separated by commas
         */
        selector?: string,
        limit?: number,
        /**
         * opaque cursor from the previous page
         */
        cursor?: string,
    }): CancelablePromise<ServerPageDto> {
        return this.httpRequest.request({
            method: 'GET',
            url: '/v1/servers',
            query: {
                'state': state,
                'service': service,
                'selector': selector,
                'limit': limit,
                'cursor': cursor,
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
     * Register a backend server into the free pool
     * @returns ServerDto Created
     * @throws ApiError
     */
    public registerServer({
        requestBody,
    }: {
        requestBody: CreateServerDto,
    }): CancelablePromise<ServerDto> {
        return this.httpRequest.request({
            method: 'POST',
            url: '/v1/servers',
            body: requestBody,
            mediaType: 'application/json',
            errors: {
                400: `invalid input; \`errors\` names each field`,
                401: `no valid API key`,
                403: `the key lacks the scope this call needs`,
                409: `the change conflicts with the current state`,
                500: `unexpected error; the detail is hidden, quote the requestId`,
            },
        });
    }
    /**
     * Get one server
     * @returns ServerDto OK
     * @throws ApiError
     */
    public getServer({
        id,
    }: {
        id: string,
    }): CancelablePromise<ServerDto> {
        return this.httpRequest.request({
            method: 'GET',
            url: '/v1/servers/{id}',
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
     * Change a server's attributes
     * @returns ServerDto OK
     * @throws ApiError
     */
    public updateServer({
        id,
        requestBody,
    }: {
        id: string,
        requestBody: UpdateServerDto,
    }): CancelablePromise<ServerDto> {
        return this.httpRequest.request({
            method: 'PATCH',
            url: '/v1/servers/{id}',
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
                409: `the change conflicts with the current state`,
                500: `unexpected error; the detail is hidden, quote the requestId`,
            },
        });
    }
    /**
     * Retire a free or quarantined server for good
     * @returns ServerDto OK
     * @throws ApiError
     */
    public retireServer({
        id,
    }: {
        id: string,
    }): CancelablePromise<ServerDto> {
        return this.httpRequest.request({
            method: 'POST',
            url: '/v1/servers/{id}/retire',
            path: {
                'id': id,
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
     * Move a server to another state (quarantine, release, ...)
     * @returns ServerDto OK
     * @throws ApiError
     */
    public transitionServer({
        id,
        requestBody,
    }: {
        id: string,
        requestBody: TransitionServerDto,
    }): CancelablePromise<ServerDto> {
        return this.httpRequest.request({
            method: 'POST',
            url: '/v1/servers/{id}/state',
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
                409: `the change conflicts with the current state`,
                500: `unexpected error; the detail is hidden, quote the requestId`,
            },
        });
    }
}
