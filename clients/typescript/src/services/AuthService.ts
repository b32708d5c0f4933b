/* generated using openapi-typescript-codegen -- do not edit */
/* istanbul ignore file */
/* tslint:disable */
/* eslint-disable */
import type { ApiKeyDto } from '../models/ApiKeyDto';
import type { CreateApiKeyDto } from '../models/CreateApiKeyDto';
import type { CreatedApiKeyDto } from '../models/CreatedApiKeyDto';
import type { CreateEnrolmentTokenDto } from '../models/CreateEnrolmentTokenDto';
import type { EnrolmentTokenDto } from '../models/EnrolmentTokenDto';
import type { CancelablePromise } from '../core/CancelablePromise';
import type { BaseHttpRequest } from '../core/BaseHttpRequest';
export class AuthService {
    constructor(public readonly httpRequest: BaseHttpRequest) {}
    /**
     * List live API keys (never their secrets)
     * @returns ApiKeyDto OK
     * @throws ApiError
     */
    public listApiKeys(): CancelablePromise<Array<ApiKeyDto>> {
        return this.httpRequest.request({
            method: 'GET',
            url: '/v1/api-keys',
            errors: {
                401: `no valid API key`,
                403: `the key lacks the scope this call needs`,
                500: `unexpected error; the detail is hidden, quote the requestId`,
            },
        });
    }
    /**
     * Create an API key (shown once)
     * @returns CreatedApiKeyDto Created
     * @throws ApiError
     */
    public createApiKey({
        requestBody,
    }: {
        requestBody: CreateApiKeyDto,
    }): CancelablePromise<CreatedApiKeyDto> {
        return this.httpRequest.request({
            method: 'POST',
            url: '/v1/api-keys',
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
     * Revoke an API key
     * @returns void
     * @throws ApiError
     */
    public revokeApiKey({
        id,
    }: {
        id: string,
    }): CancelablePromise<void> {
        return this.httpRequest.request({
            method: 'DELETE',
            url: '/v1/api-keys/{id}',
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
     * Create an enrolment token for agents (shown once)
     * @returns EnrolmentTokenDto Created
     * @throws ApiError
     */
    public createEnrolmentToken({
        requestBody,
    }: {
        requestBody: CreateEnrolmentTokenDto,
    }): CancelablePromise<EnrolmentTokenDto> {
        return this.httpRequest.request({
            method: 'POST',
            url: '/v1/enrolment-tokens',
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
}
