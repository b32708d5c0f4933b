/* generated using openapi-typescript-codegen -- do not edit */
/* istanbul ignore file */
/* tslint:disable */
/* eslint-disable */
import type { QueueCountsDto } from '../models/QueueCountsDto';
import type { CancelablePromise } from '../core/CancelablePromise';
import type { BaseHttpRequest } from '../core/BaseHttpRequest';
export class QueuesService {
    constructor(public readonly httpRequest: BaseHttpRequest) {}
    /**
     * Job counts of the telemetry, analysis, allocation and updates queues
     * @returns QueueCountsDto OK
     * @throws ApiError
     */
    public listQueues(): CancelablePromise<Array<QueueCountsDto>> {
        return this.httpRequest.request({
            method: 'GET',
            url: '/v1/queues',
            errors: {
                401: `no valid API key`,
                403: `the key lacks the scope this call needs`,
                500: `unexpected error; the detail is hidden, quote the requestId`,
            },
        });
    }
}
