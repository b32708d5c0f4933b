/* generated using openapi-typescript-codegen -- do not edit */
/* istanbul ignore file */
/* tslint:disable */
/* eslint-disable */
import type { CreatePolicyDto } from '../models/CreatePolicyDto';
import type { PolicyDto } from '../models/PolicyDto';
import type { UpdatePolicyDto } from '../models/UpdatePolicyDto';
import type { CancelablePromise } from '../core/CancelablePromise';
import type { BaseHttpRequest } from '../core/BaseHttpRequest';
export class PoliciesService {
    constructor(public readonly httpRequest: BaseHttpRequest) {}
    /**
     * A service's scaling policies
     * @returns PolicyDto OK
     * @throws ApiError
     */
    public listPolicies({
        id,
    }: {
        id: string,
    }): CancelablePromise<Array<PolicyDto>> {
        return this.httpRequest.request({
            method: 'GET',
            url: '/v1/services/{id}/policies',
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
     * Give a service a scaling policy (target-tracking or threshold; live or shadow)
     * @returns PolicyDto Created
     * @throws ApiError
     */
    public createPolicy({
        id,
        requestBody,
    }: {
        id: string,
        requestBody: CreatePolicyDto,
    }): CancelablePromise<PolicyDto> {
        return this.httpRequest.request({
            method: 'POST',
            url: '/v1/services/{id}/policies',
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
     * Get one scaling policy
     * @returns PolicyDto OK
     * @throws ApiError
     */
    public getPolicy({
        id,
        policyId,
    }: {
        id: string,
        policyId: string,
    }): CancelablePromise<PolicyDto> {
        return this.httpRequest.request({
            method: 'GET',
            url: '/v1/services/{id}/policies/{policyId}',
            path: {
                'id': id,
                'policyId': policyId,
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
     * Change a scaling policy
     * @returns PolicyDto OK
     * @throws ApiError
     */
    public updatePolicy({
        id,
        policyId,
        requestBody,
    }: {
        id: string,
        policyId: string,
        requestBody: UpdatePolicyDto,
    }): CancelablePromise<PolicyDto> {
        return this.httpRequest.request({
            method: 'PATCH',
            url: '/v1/services/{id}/policies/{policyId}',
            path: {
                'id': id,
                'policyId': policyId,
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
     * Delete a scaling policy (the service stops scaling by itself)
     * @returns void
     * @throws ApiError
     */
    public deletePolicy({
        id,
        policyId,
    }: {
        id: string,
        policyId: string,
    }): CancelablePromise<void> {
        return this.httpRequest.request({
            method: 'DELETE',
            url: '/v1/services/{id}/policies/{policyId}',
            path: {
                'id': id,
                'policyId': policyId,
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
