/* generated using openapi-typescript-codegen -- do not edit */
/* istanbul ignore file */
/* tslint:disable */
/* eslint-disable */
import type { BackendConfigDto } from '../models/BackendConfigDto';
import type { ConfigAckDto } from '../models/ConfigAckDto';
import type { ConfigAckResultDto } from '../models/ConfigAckResultDto';
import type { ConfigDocumentDto } from '../models/ConfigDocumentDto';
import type { UpdateDto } from '../models/UpdateDto';
import type { CancelablePromise } from '../core/CancelablePromise';
import type { BaseHttpRequest } from '../core/BaseHttpRequest';
export class UpdatesService {
    constructor(public readonly httpRequest: BaseHttpRequest) {}
    /**
     * Long poll for the agent's next configuration revision (XML or JSON by Accept)
     * @returns ConfigDocumentDto a revision newer than `after`
     * @throws ApiError
     */
    public pollAgentConfig({
        id,
        after,
        wait = 30,
    }: {
        id: string,
        /**
         * the version the agent has; answers only with a newer one
         */
        after?: number,
        /**
         * seconds to hold the request open when nothing newer exists (0 answers at once)
         */
        wait?: number,
    }): CancelablePromise<ConfigDocumentDto> {
        return this.httpRequest.request({
            method: 'GET',
            url: '/v1/agents/{id}/config',
            path: {
                'id': id,
            },
            query: {
                'after': after,
                'wait': wait,
            },
            errors: {
                304: `nothing newer arrived within \`wait\` seconds`,
                400: `invalid input; \`errors\` names each field`,
                401: `no valid API key`,
                403: `the key lacks the scope this call needs`,
                404: `no such resource`,
                500: `unexpected error; the detail is hidden, quote the requestId`,
            },
        });
    }
    /**
     * An agent reports that it applied or rejected a revision
     * @returns ConfigAckResultDto OK
     * @throws ApiError
     */
    public ackAgentConfig({
        id,
        requestBody,
    }: {
        id: string,
        requestBody: ConfigAckDto,
    }): CancelablePromise<ConfigAckResultDto> {
        return this.httpRequest.request({
            method: 'POST',
            url: '/v1/agents/{id}/config/acks',
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
     * One backend's connection configuration in the agent's current revision
     * @returns BackendConfigDto OK
     * @throws ApiError
     */
    public getBackendConfig({
        id,
        serverId,
    }: {
        id: string,
        serverId: string,
    }): CancelablePromise<BackendConfigDto> {
        return this.httpRequest.request({
            method: 'GET',
            url: '/v1/agents/{id}/config/backends/{serverId}',
            path: {
                'id': id,
                'serverId': serverId,
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
     * Configuration updates, newest first, with per-agent state
     * @returns UpdateDto OK
     * @throws ApiError
     */
    public listUpdates({
        status,
        limit = 50,
    }: {
        status?: 'pending' | 'verifying' | 'retrying' | 'succeeded' | 'rolled_back' | 'failed',
        limit?: number,
    }): CancelablePromise<Array<UpdateDto>> {
        return this.httpRequest.request({
            method: 'GET',
            url: '/v1/updates',
            query: {
                'status': status,
                'limit': limit,
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
     * One update with its per-agent state and timeline
     * @returns UpdateDto OK
     * @throws ApiError
     */
    public getUpdate({
        id,
    }: {
        id: string,
    }): CancelablePromise<UpdateDto> {
        return this.httpRequest.request({
            method: 'GET',
            url: '/v1/updates/{id}',
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
