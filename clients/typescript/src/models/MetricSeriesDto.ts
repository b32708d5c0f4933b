/* generated using openapi-typescript-codegen -- do not edit */
/* istanbul ignore file */
/* tslint:disable */
/* eslint-disable */
import type { MetricPointDto } from './MetricPointDto';
export type MetricSeriesDto = {
    metric: 'requests' | 'request_rate' | 'responses_1xx' | 'responses_2xx' | 'responses_3xx' | 'responses_4xx' | 'responses_5xx' | 'errors' | 'error_ratio' | 'bytes_in' | 'bytes_out' | 'in_flight_avg' | 'in_flight_max' | 'open_connections_avg' | 'open_connections_max' | 'latency_count' | 'latency_mean_ms' | 'latency_max_ms' | 'latency_p50_ms' | 'latency_p90_ms' | 'latency_p99_ms' | 'healthy_ratio' | 'draining_ratio' | 'load_avg' | 'load_max' | 'cpu_percent_avg' | 'cpu_percent_max' | 'memory_rss_max_bytes' | 'event_loop_delay_p99_max_ms';
    serverId?: string;
    agentId?: string;
    serviceId?: string;
    points: Array<MetricPointDto>;
};

