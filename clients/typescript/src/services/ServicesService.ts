/* generated using openapi-typescript-codegen -- do not edit */
/* istanbul ignore file */
/* tslint:disable */
/* eslint-disable */
import type { CreateServiceDto } from '../models/CreateServiceDto';
import type { ServiceDto } from '../models/ServiceDto';
import type { ServicePageDto } from '../models/ServicePageDto';
import type { UpdateServiceDto } from '../models/UpdateServiceDto';
import type { CancelablePromise } from '../core/CancelablePromise';
import type { BaseHttpRequest } from '../core/BaseHttpRequest';
export class ServicesService {
    constructor(public readonly httpRequest: BaseHttpRequest) {}
    /**
     * List services
     * @returns ServicePageDto OK
     * @throws ApiError
     */
    public listServices({
        limit = 50,
        cursor,
        name,
    }: {
        limit?: number,
        cursor?: string,
        /**
         * filter by exact name
         */
        name?: string,
    }): CancelablePromise<ServicePageDto> {
        return this.httpRequest.request({
            method: 'GET',
            url: '/v1/services',
            query: {
                'limit': limit,
                'cursor': cursor,
                'name': name,
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
     * Create a service (no agent change needed)
     * @returns ServiceDto Created
     * @throws ApiError
     */
    public createService({
        requestBody,
    }: {
        requestBody: CreateServiceDto,
    }): CancelablePromise<ServiceDto> {
        return this.httpRequest.request({
            method: 'POST',
            url: '/v1/services',
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
     * Get one service
     * @returns ServiceDto OK
     * @throws ApiError
     */
    public getService({
        id,
    }: {
        id: string,
    }): CancelablePromise<ServiceDto> {
        return this.httpRequest.request({
            method: 'GET',
            url: '/v1/services/{id}',
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
     * Change a service
     * @returns ServiceDto OK
     * @throws ApiError
     */
    public updateService({
        id,
        requestBody,
    }: {
        id: string,
        requestBody: UpdateServiceDto,
    }): CancelablePromise<ServiceDto> {
        return this.httpRequest.request({
            method: 'PATCH',
            url: '/v1/services/{id}',
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
     * Delete a service whose pool is empty
     * @returns void
     * @throws ApiError
     */
    public deleteService({
        id,
    }: {
        id: string,
    }): CancelablePromise<void> {
        return this.httpRequest.request({
            method: 'DELETE',
            url: '/v1/services/{id}',
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
}
