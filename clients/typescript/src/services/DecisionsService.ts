/* generated using openapi-typescript-codegen -- do not edit */
/* istanbul ignore file */
/* tslint:disable */
/* eslint-disable */
import type { DecisionDto } from '../models/DecisionDto';
import type { DecisionPageDto } from '../models/DecisionPageDto';
import type { CancelablePromise } from '../core/CancelablePromise';
import type { BaseHttpRequest } from '../core/BaseHttpRequest';
export class DecisionsService {
    constructor(public readonly httpRequest: BaseHttpRequest) {}
    /**
     * A service's scaling decisions with their evidence, newest first
     * @returns DecisionPageDto OK
     * @throws ApiError
     */
    public listDecisions({
        id,
        limit = 50,
        includeNoChange = false,
        before,
        pool,
    }: {
        id: string,
        limit?: number,
        /**
         * also the stored evaluations that changed nothing: holds (stored when their reason starts, then once a minute while it lasts), shadow disagreements, and every no_change decision of a policy with recordNoChange
         */
        includeNoChange?: boolean,
        /**
         * cursor: nextCursor of the previous page
         */
        before?: string,
        /**
         * only the decisions that sized this pool (default: both)
         */
        pool?: 'servers' | 'agents',
    }): CancelablePromise<DecisionPageDto> {
        return this.httpRequest.request({
            method: 'GET',
            url: '/v1/services/{id}/decisions',
            path: {
                'id': id,
            },
            query: {
                'limit': limit,
                'includeNoChange': includeNoChange,
                'before': before,
                'pool': pool,
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
     * One scaling decision with its evidence
     * @returns DecisionDto OK
     * @throws ApiError
     */
    public getDecision({
        id,
        decisionId,
    }: {
        id: string,
        decisionId: string,
    }): CancelablePromise<DecisionDto> {
        return this.httpRequest.request({
            method: 'GET',
            url: '/v1/services/{id}/decisions/{decisionId}',
            path: {
                'id': id,
                'decisionId': decisionId,
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
