/* generated using openapi-typescript-codegen -- do not edit */
/* istanbul ignore file */
/* tslint:disable */
/* eslint-disable */
import type { AuditEntryDto } from '../models/AuditEntryDto';
import type { CancelablePromise } from '../core/CancelablePromise';
import type { BaseHttpRequest } from '../core/BaseHttpRequest';
export class AuditService {
    constructor(public readonly httpRequest: BaseHttpRequest) {}
    /**
     * The audit log, newest first
     * @returns AuditEntryDto OK
     * @throws ApiError
     */
    public listAudit({
        targetId,
        before,
        limit = 100,
    }: {
        /**
         * only entries about this resource id
         */
        targetId?: string,
        /**
         * entries older than this entry id (for paging back)
         */
        before?: string,
        limit?: number,
    }): CancelablePromise<Array<AuditEntryDto>> {
        return this.httpRequest.request({
            method: 'GET',
            url: '/v1/audit',
            query: {
                'targetId': targetId,
                'before': before,
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
}
