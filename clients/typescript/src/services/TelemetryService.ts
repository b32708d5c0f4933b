/* generated using openapi-typescript-codegen -- do not edit */
/* istanbul ignore file */
/* tslint:disable */
/* eslint-disable */
import type { BackendStateDto } from '../models/BackendStateDto';
import type { MetricsResponseDto } from '../models/MetricsResponseDto';
import type { ReportAckDto } from '../models/ReportAckDto';
import type { ReportBatchDto } from '../models/ReportBatchDto';
import type { CancelablePromise } from '../core/CancelablePromise';
import type { BaseHttpRequest } from '../core/BaseHttpRequest';
export class TelemetryService {
    constructor(public readonly httpRequest: BaseHttpRequest) {}
    /**
     * Prometheus metrics of this management API instance (all its worker processes)
     * @returns string Prometheus text exposition format
     * @throws ApiError
     */
    public getPrometheusMetrics(): CancelablePromise<string> {
        return this.httpRequest.request({
            method: 'GET',
            url: '/metrics',
            errors: {
                401: `no valid API key`,
                403: `the key lacks the scope this call needs`,
                500: `unexpected error; the detail is hidden, quote the requestId`,
                503: `a dependency is unavailable; retry after Retry-After`,
            },
        });
    }
    /**
     * The newest health, drain state and traffic an agent reported for each backend in its last 120 reports
     * @returns BackendStateDto OK
     * @throws ApiError
     */
    public getAgentBackendStates({
        id,
    }: {
        id: string,
    }): CancelablePromise<Array<BackendStateDto>> {
        return this.httpRequest.request({
            method: 'GET',
            url: '/v1/agents/{id}/backend-states',
            path: {
                'id': id,
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
     * An agent sends a batch of performance reports (XML or JSON, gzip allowed); each (agent, seq) is stored once
     * @returns ReportAckDto OK
     * @throws ApiError
     */
    public postAgentReports({
        id,
        requestBody,
    }: {
        id: string,
        requestBody: ReportBatchDto,
    }): CancelablePromise<ReportAckDto> {
        return this.httpRequest.request({
            method: 'POST',
            url: '/v1/agents/{id}/reports',
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
                413: `body too large`,
                415: `unsupported media type`,
                500: `unexpected error; the detail is hidden, quote the requestId`,
            },
        });
    }
    /**
     * Time series of reported metrics, per server, agent or service (JSON or XML)
     * @returns MetricsResponseDto OK
     * @throws ApiError
     */
    public queryMetrics({
        metric,
        service,
        server,
        agent,
        from,
        to,
        step = 60,
        groupBy = 'server',
        scope = 'backends',
    }: {
        /**
         * comma-separated metric names
         */
        metric: Array<'requests' | 'request_rate' | 'responses_1xx' | 'responses_2xx' | 'responses_3xx' | 'responses_4xx' | 'responses_5xx' | 'errors' | 'error_ratio' | 'bytes_in' | 'bytes_out' | 'in_flight_avg' | 'in_flight_max' | 'open_connections_avg' | 'open_connections_max' | 'latency_count' | 'latency_mean_ms' | 'latency_max_ms' | 'latency_p50_ms' | 'latency_p90_ms' | 'latency_p99_ms' | 'healthy_ratio' | 'draining_ratio' | 'load_avg' | 'load_max' | 'cpu_percent_avg' | 'cpu_percent_max' | 'memory_rss_max_bytes' | 'event_loop_delay_p99_max_ms'>,
        service?: string,
        server?: string,
        agent?: string,
        /**
         * default: one hour before `to`
         */
        from?: string,
        /**
         * default: now
         */
        to?: string,
        /**
         * seconds per point; below 60 reads raw samples (kept 24 h), otherwise per-minute roll-ups, and then it must be a whole number of minutes (a roll-up point covers the minutes that start in [from, to))
         */
        step?: number,
        /**
         * one series per server, agent, service, or one overall
         */
        groupBy?: 'server' | 'agent' | 'service' | 'none',
        /**
         * backend samples, or the agents' own (host CPU, memory, event loop)
         */
        scope?: 'backends' | 'agent',
    }): CancelablePromise<MetricsResponseDto> {
        return this.httpRequest.request({
            method: 'GET',
            url: '/v1/metrics',
            query: {
                'metric': metric,
                'service': service,
                'server': server,
                'agent': agent,
                'from': from,
                'to': to,
                'step': step,
                'groupBy': groupBy,
                'scope': scope,
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
