/* generated using openapi-typescript-codegen -- do not edit */
/* istanbul ignore file */
/* tslint:disable */
/* eslint-disable */
import type { CreatedWebhookDto } from '../models/CreatedWebhookDto';
import type { CreateWebhookDto } from '../models/CreateWebhookDto';
import type { UpdateWebhookDto } from '../models/UpdateWebhookDto';
import type { WebhookDto } from '../models/WebhookDto';
import type { CancelablePromise } from '../core/CancelablePromise';
import type { BaseHttpRequest } from '../core/BaseHttpRequest';
export class EventsService {
    constructor(public readonly httpRequest: BaseHttpRequest) {}
    /**
     * The event stream (Server-Sent Events): decisions, allocations, de-allocations, updates and failures
     * Each event is `id: <bigserial>`, `event: <type>`, `data: <JSON EventDto>`. Reconnect with `Last-Event-ID` (or `?after=`) to resume without loss.
     * @returns string an endless text/event-stream
     * @throws ApiError
     */
    public streamEvents({
        after,
        backlog = 50,
        types,
        service,
        lastEventId,
    }: {
        /**
         * resume after this id (the Last-Event-ID header wins)
         */
        after?: string,
        /**
         * without a resume point: replay this many recent events first
         */
        backlog?: number,
        /**
         * comma-separated type filters: exact names or prefixes like `decision.*`
         */
        types?: string,
        service?: string,
        /**
         * resume after this event id
         */
        lastEventId?: string,
    }): CancelablePromise<string> {
        return this.httpRequest.request({
            method: 'GET',
            url: '/v1/events',
            headers: {
                'Last-Event-ID': lastEventId,
            },
            query: {
                'after': after,
                'backlog': backlog,
                'types': types,
                'service': service,
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
     * List webhook subscriptions (never their secrets)
     * @returns WebhookDto OK
     * @throws ApiError
     */
    public listWebhooks(): CancelablePromise<Array<WebhookDto>> {
        return this.httpRequest.request({
            method: 'GET',
            url: '/v1/webhooks',
            errors: {
                401: `no valid API key`,
                403: `the key lacks the scope this call needs`,
                500: `unexpected error; the detail is hidden, quote the requestId`,
            },
        });
    }
    /**
     * Subscribe a URL to events (HMAC-SHA256 signed, retried with backoff)
     * @returns CreatedWebhookDto Created
     * @throws ApiError
     */
    public createWebhook({
        requestBody,
    }: {
        requestBody: CreateWebhookDto,
    }): CancelablePromise<CreatedWebhookDto> {
        return this.httpRequest.request({
            method: 'POST',
            url: '/v1/webhooks',
            body: requestBody,
            mediaType: 'application/json',
            errors: {
                400: `invalid input; \`errors\` names each field`,
                401: `no valid API key`,
                403: `the key lacks the scope this call needs`,
                500: `unexpected error; the detail is hidden, quote the requestId`,
            },
        });
    }
    /**
     * Get one webhook subscription with its last delivery
     * @returns WebhookDto OK
     * @throws ApiError
     */
    public getWebhook({
        id,
    }: {
        id: string,
    }): CancelablePromise<WebhookDto> {
        return this.httpRequest.request({
            method: 'GET',
            url: '/v1/webhooks/{id}',
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
     * Change a webhook subscription (url, types, enabled)
     * @returns WebhookDto OK
     * @throws ApiError
     */
    public updateWebhook({
        id,
        requestBody,
    }: {
        id: string,
        requestBody: UpdateWebhookDto,
    }): CancelablePromise<WebhookDto> {
        return this.httpRequest.request({
            method: 'PATCH',
            url: '/v1/webhooks/{id}',
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
     * Delete a webhook subscription
     * @returns void
     * @throws ApiError
     */
    public deleteWebhook({
        id,
    }: {
        id: string,
    }): CancelablePromise<void> {
        return this.httpRequest.request({
            method: 'DELETE',
            url: '/v1/webhooks/{id}',
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
