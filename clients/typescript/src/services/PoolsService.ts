/* generated using openapi-typescript-codegen -- do not edit */
/* istanbul ignore file */
/* tslint:disable */
/* eslint-disable */
import type { AllocateDto } from '../models/AllocateDto';
import type { DeallocateDto } from '../models/DeallocateDto';
import type { PoolChangeDto } from '../models/PoolChangeDto';
import type { PoolDto } from '../models/PoolDto';
import type { PoolsDto } from '../models/PoolsDto';
import type { CancelablePromise } from '../core/CancelablePromise';
import type { BaseHttpRequest } from '../core/BaseHttpRequest';
export class PoolsService {
    constructor(public readonly httpRequest: BaseHttpRequest) {}
    /**
     * The free pool and every service's allocated pool
     * @returns PoolsDto OK
     * @throws ApiError
     */
    public listPools(): CancelablePromise<PoolsDto> {
        return this.httpRequest.request({
            method: 'GET',
            url: '/v1/pools',
            errors: {
                401: `no valid API key`,
                403: `the key lacks the scope this call needs`,
                500: `unexpected error; the detail is hidden, quote the requestId`,
            },
        });
    }
    /**
     * One service's allocated pool
     * @returns PoolDto OK
     * @throws ApiError
     */
    public getServicePool({
        id,
    }: {
        id: string,
    }): CancelablePromise<PoolDto> {
        return this.httpRequest.request({
            method: 'GET',
            url: '/v1/services/{id}/pool',
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
     * Move free servers into the service's pool (all or nothing)
     * @returns PoolChangeDto OK
     * @throws ApiError
     */
    public allocateServers({
        id,
        requestBody,
    }: {
        id: string,
        requestBody: AllocateDto,
    }): CancelablePromise<PoolChangeDto> {
        return this.httpRequest.request({
            method: 'POST',
            url: '/v1/services/{id}/pool/allocate',
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
     * Drain servers out of the service's pool back to the free pool
     * @returns PoolChangeDto OK
     * @throws ApiError
     */
    public deallocateServers({
        id,
        requestBody,
    }: {
        id: string,
        requestBody: DeallocateDto,
    }): CancelablePromise<PoolChangeDto> {
        return this.httpRequest.request({
            method: 'POST',
            url: '/v1/services/{id}/pool/deallocate',
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
