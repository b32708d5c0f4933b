/* generated using openapi-typescript-codegen -- do not edit */
/* istanbul ignore file */
/* tslint:disable */
/* eslint-disable */
import type { HealthResultDto } from '../models/HealthResultDto';
import type { CancelablePromise } from '../core/CancelablePromise';
import type { BaseHttpRequest } from '../core/BaseHttpRequest';
export class HealthService {
    constructor(public readonly httpRequest: BaseHttpRequest) {}
    /**
     * Liveness: the process answers
     * @returns any The Health Check is successful
     * @throws ApiError
     */
    public healthLive(): CancelablePromise<{
        status?: string;
        info?: Record<string, Record<string, any>> | null;
        error?: Record<string, Record<string, any>> | null;
        details?: Record<string, Record<string, any>>;
    }> {
        return this.httpRequest.request({
            method: 'GET',
            url: '/health/live',
            errors: {
                500: `unexpected error; the detail is hidden, quote the requestId`,
                503: `The Health Check is not successful`,
            },
        });
    }
    /**
     * Readiness: PostgreSQL and Redis answer
     * @returns HealthResultDto PostgreSQL and Redis answer
     * @throws ApiError
     */
    public healthReady(): CancelablePromise<HealthResultDto> {
        return this.httpRequest.request({
            method: 'GET',
            url: '/health/ready',
            errors: {
                500: `unexpected error; the detail is hidden, quote the requestId`,
                503: `a dependency does not answer: \`detail\` and \`down\` name it (\`database\`, \`redis\`), \`checks\` has each one's state; retry after Retry-After`,
            },
        });
    }
}
