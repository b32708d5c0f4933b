import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsIn, IsInt, IsISO8601, IsOptional, IsUUID, Max, Min } from 'class-validator';
import type { XmlDocumentSchema } from '../../../../libs/codec/src/xml';

/** Metric names GET /v1/metrics understands, and how each aggregates. */
export const METRICS = [
  'requests', 'request_rate', 'responses_1xx', 'responses_2xx', 'responses_3xx', 'responses_4xx', 'responses_5xx', 'errors', 'error_ratio',
  'bytes_in', 'bytes_out', 'in_flight_avg', 'in_flight_max', 'open_connections_avg', 'open_connections_max',
  'latency_count', 'latency_mean_ms', 'latency_max_ms', 'latency_p50_ms', 'latency_p90_ms', 'latency_p99_ms',
  'healthy_ratio', 'draining_ratio', 'load_avg', 'load_max', 'cpu_percent_avg', 'cpu_percent_max', 'memory_rss_max_bytes', 'event_loop_delay_p99_max_ms',
] as const;
export type MetricName = (typeof METRICS)[number];

export class MetricsQueryDto {
  @ApiProperty({ description: 'comma-separated metric names', enum: METRICS, isArray: true, example: ['requests', 'latency_p99_ms'] })
  @Transform(({ value }) => (typeof value === 'string' ? value.split(',').map((s) => s.trim()).filter(Boolean) : value))
  @ArrayMinSize(1) @ArrayMaxSize(10) @IsIn(METRICS, { each: true })
  metric!: MetricName[];

  @ApiPropertyOptional({ format: 'uuid' }) @IsOptional() @IsUUID() service?: string;
  @ApiPropertyOptional({ format: 'uuid' }) @IsOptional() @IsUUID() server?: string;
  @ApiPropertyOptional({ format: 'uuid' }) @IsOptional() @IsUUID() agent?: string;
  @ApiPropertyOptional({ format: 'date-time', description: 'default: one hour before `to`' }) @IsOptional() @IsISO8601({ strict: true }) from?: string;
  @ApiPropertyOptional({ format: 'date-time', description: 'default: now' }) @IsOptional() @IsISO8601({ strict: true }) to?: string;
  @ApiPropertyOptional({ default: 60, description: 'seconds per point; below 60 reads raw samples (kept 24 h), otherwise per-minute roll-ups, and then it must be a whole number of minutes (a roll-up point covers the minutes that start in [from, to))' })
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(86_400) step?: number;
  @ApiPropertyOptional({ enum: ['server', 'agent', 'service', 'none'], default: 'server', description: 'one series per server, agent, service, or one overall' })
  @IsOptional() @IsIn(['server', 'agent', 'service', 'none']) groupBy?: 'server' | 'agent' | 'service' | 'none';
  @ApiPropertyOptional({ enum: ['backends', 'agent'], default: 'backends', description: 'backend samples, or the agents\' own (host CPU, memory, event loop)' })
  @IsOptional() @IsIn(['backends', 'agent']) scope?: 'backends' | 'agent';
}

export class MetricPointDto {
  @ApiProperty({ format: 'date-time', description: 'start of the step' }) t!: string;
  @ApiProperty() v!: number;
}

export class MetricSeriesDto {
  @ApiProperty({ enum: METRICS }) metric!: string;
  @ApiPropertyOptional({ format: 'uuid' }) serverId?: string;
  @ApiPropertyOptional({ format: 'uuid' }) agentId?: string;
  @ApiPropertyOptional({ format: 'uuid' }) serviceId?: string;
  @ApiProperty({ type: [MetricPointDto] }) points!: MetricPointDto[];
}

export class MetricsResponseDto {
  @ApiProperty({ format: 'date-time' }) from!: string;
  @ApiProperty({ format: 'date-time' }) to!: string;
  @ApiProperty() step!: number;
  @ApiProperty({ enum: ['raw', 'rollup'] }) source!: 'raw' | 'rollup';
  @ApiProperty({ type: [MetricSeriesDto] }) series!: MetricSeriesDto[];
}

export const METRICS_RESPONSE_XML: XmlDocumentSchema = {
  root: 'metrics',
  schema: {
    attrs: { from: 'string', to: 'string', step: 'number', source: 'string' },
    children: {
      series: {
        tag: 'series',
        array: true,
        schema: {
          attrs: { metric: 'string', serverId: 'string', agentId: 'string', serviceId: 'string' },
          children: { points: { tag: 'point', array: true, schema: { attrs: { t: 'string', v: 'number' } } } },
        },
      },
    },
  },
};

/** The newest state an agent reported for one backend. */
export class BackendStateDto {
  @ApiProperty({ format: 'uuid' }) agentId!: string;
  @ApiProperty({ format: 'uuid' }) serverId!: string;
  @ApiProperty({ format: 'uuid' }) serviceId!: string;
  @ApiProperty({ description: 'seq of the report that said so' }) seq!: number;
  @ApiProperty({ format: 'date-time', description: 'end of that report\'s interval' }) reportedAt!: string;
  @ApiProperty() healthy!: boolean;
  @ApiProperty() draining!: boolean;
  @ApiProperty({ description: 'requests in that interval' }) requests!: number;
  @ApiProperty() inFlight!: number;
  @ApiProperty() openConnections!: number;
}

export const BACKEND_STATES_XML: XmlDocumentSchema = {
  root: 'backendStates',
  schema: {
    children: {
      states: {
        tag: 'backend',
        array: true,
        schema: {
          attrs: {
            agentId: 'string', serverId: 'string', serviceId: 'string', seq: 'number', reportedAt: 'string', healthy: 'boolean', draining: 'boolean',
            requests: 'number', inFlight: 'number', openConnections: 'number',
          },
        },
      },
    },
  },
};
