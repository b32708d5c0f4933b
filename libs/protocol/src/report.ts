import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize, ArrayMinSize, IsBoolean, IsIn, IsInt, IsISO8601, IsNumber, IsOptional, IsUUID, Matches, Max, MaxLength, Min, ValidateNested,
} from 'class-validator';
import { BUCKETS_PATTERN } from '../../codec/src/histogram';
import type { XmlDocumentSchema, XmlElementSchema } from '../../codec/src/xml';

const MAX_COUNT = Number.MAX_SAFE_INTEGER;
/** Most reports one POST may carry; the agent sends its backlog in batches of at most this. */
export const MAX_REPORTS_PER_BATCH = 100;
/** Most backend samples in one report. */
export const MAX_BACKENDS_PER_REPORT = 2000;

/** A latency histogram in microseconds (see libs/codec/src/histogram.ts for the bucket layout). */
export class HistogramDto {
  @ApiProperty({ minimum: 0 }) @IsInt() @Min(0) @Max(MAX_COUNT) count!: number;
  @ApiProperty({ minimum: 0, description: 'sum of recorded values, µs' }) @IsInt() @Min(0) @Max(MAX_COUNT) sum!: number;
  @ApiProperty({ minimum: 0, description: 'µs' }) @IsInt() @Min(0) @Max(MAX_COUNT) min!: number;
  @ApiProperty({ minimum: 0, description: 'µs' }) @IsInt() @Min(0) @Max(MAX_COUNT) max!: number;
  @ApiProperty({ example: '40:3,41:9,57:1', description: 'sparse "bucketIndex:count" pairs, ascending' })
  @MaxLength(24_000) @Matches(BUCKETS_PATTERN) buckets!: string;
}

/** Failed requests of one cause (connect, timeout, reset, protocol, ...). */
export class ErrorCountDto {
  @ApiProperty({ example: 'timeout' }) @Matches(/^[a-z][a-z0-9_]{0,31}$/) cause!: string;
  @ApiProperty({ minimum: 0 }) @IsInt() @Min(0) @Max(MAX_COUNT) count!: number;
}

/** Traffic counters over one interval, for one backend or for the agent as a whole. */
export class TrafficSampleDto {
  @ApiProperty({ minimum: 0 }) @IsInt() @Min(0) @Max(MAX_COUNT) requests!: number;
  @ApiProperty({ minimum: 0 }) @IsInt() @Min(0) @Max(MAX_COUNT) responses1xx!: number;
  @ApiProperty({ minimum: 0 }) @IsInt() @Min(0) @Max(MAX_COUNT) responses2xx!: number;
  @ApiProperty({ minimum: 0 }) @IsInt() @Min(0) @Max(MAX_COUNT) responses3xx!: number;
  @ApiProperty({ minimum: 0 }) @IsInt() @Min(0) @Max(MAX_COUNT) responses4xx!: number;
  @ApiProperty({ minimum: 0 }) @IsInt() @Min(0) @Max(MAX_COUNT) responses5xx!: number;
  @ApiProperty({ minimum: 0, description: 'gauge at the end of the interval' }) @IsInt() @Min(0) @Max(MAX_COUNT) inFlight!: number;
  @ApiProperty({ minimum: 0, description: 'gauge at the end of the interval' }) @IsInt() @Min(0) @Max(MAX_COUNT) openConnections!: number;
  @ApiProperty({ minimum: 0 }) @IsInt() @Min(0) @Max(MAX_COUNT) bytesIn!: number;
  @ApiProperty({ minimum: 0 }) @IsInt() @Min(0) @Max(MAX_COUNT) bytesOut!: number;
  @ApiProperty({ type: [ErrorCountDto] }) @ArrayMaxSize(32) @ValidateNested({ each: true }) @Type(() => ErrorCountDto) errors!: ErrorCountDto[];
  @ApiProperty({ type: HistogramDto }) @ValidateNested() @Type(() => HistogramDto) latency!: HistogramDto;
}

/** One named value a backend publishes about itself at its loadEndpoint. */
export class LoadValueDto {
  @ApiProperty({ example: 'load' }) @Matches(/^[A-Za-z_][A-Za-z0-9_.]{0,63}$/) name!: string;
  @ApiProperty() @IsNumber({ allowNaN: false, allowInfinity: false }) value!: number;
}

/** What a backend's loadEndpoint said this interval (the backend's own view of its load). */
export class BackendLoadDto {
  @ApiProperty({ enum: ['json', 'prometheus'] }) @IsIn(['json', 'prometheus']) format!: 'json' | 'prometheus';
  @ApiPropertyOptional({ description: 'why the scrape failed, if it did' }) @IsOptional() @MaxLength(200) error?: string;
  @ApiProperty({ type: [LoadValueDto] }) @ArrayMaxSize(32) @ValidateNested({ each: true }) @Type(() => LoadValueDto) values!: LoadValueDto[];
}

/** One backend as the agent saw it through the proxy. */
export class BackendSampleDto extends TrafficSampleDto {
  @ApiProperty({ format: 'uuid' }) @IsUUID() serviceId!: string;
  @ApiProperty({ format: 'uuid', description: 'the server id' }) @IsUUID() serverId!: string;
  @ApiProperty({ description: 'passes active health checks and is not ejected' }) @IsBoolean() healthy!: boolean;
  @ApiProperty({ description: 'removed from the configuration, finishing its requests' }) @IsBoolean() draining!: boolean;
  @ApiPropertyOptional({ type: BackendLoadDto }) @IsOptional() @ValidateNested() @Type(() => BackendLoadDto) load?: BackendLoadDto;
}

/** The agent's host over one interval. */
export class HostSampleDto {
  @ApiProperty({ description: 'CPU use of the agent process, percent of one core' }) @IsNumber({ allowNaN: false, allowInfinity: false }) @Min(0) @Max(100_000) cpuPercent!: number;
  @ApiProperty({ description: 'host-wide CPU use, percent of all cores' }) @IsNumber({ allowNaN: false, allowInfinity: false }) @Min(0) @Max(100) hostCpuPercent!: number;
  @ApiProperty() @IsInt() @Min(0) @Max(MAX_COUNT) memoryRssBytes!: number;
  @ApiProperty() @IsInt() @Min(0) @Max(MAX_COUNT) memoryTotalBytes!: number;
  @ApiProperty() @IsInt() @Min(0) @Max(MAX_COUNT) memoryFreeBytes!: number;
  @ApiProperty() @IsNumber({ allowNaN: false, allowInfinity: false }) @Min(0) @Max(1_000_000) loadAverage1!: number;
  @ApiProperty() @IsNumber({ allowNaN: false, allowInfinity: false }) @Min(0) @Max(3_600_000) eventLoopDelayP50Ms!: number;
  @ApiProperty() @IsNumber({ allowNaN: false, allowInfinity: false }) @Min(0) @Max(3_600_000) eventLoopDelayP99Ms!: number;
  @ApiProperty() @IsNumber({ allowNaN: false, allowInfinity: false }) @Min(0) @Max(3_600_000) eventLoopDelayMaxMs!: number;
}

/** One interval's measurements from one agent; `seq` numbers an agent's reports 0, 1, 2, ... */
export class ReportDto {
  @ApiProperty({ minimum: 0, description: 'per-agent sequence number; the management API stores each (agentId, seq) once' })
  @IsInt() @Min(0) @Max(MAX_COUNT) seq!: number;
  @ApiProperty({ format: 'uuid' }) @IsUUID() agentId!: string;
  @ApiProperty({ type: String, format: 'date-time' }) @IsISO8601({ strict: true }) intervalStart!: string;
  @ApiProperty({ type: String, format: 'date-time' }) @IsISO8601({ strict: true }) intervalEnd!: string;
  @ApiProperty({ type: HostSampleDto }) @ValidateNested() @Type(() => HostSampleDto) host!: HostSampleDto;
  @ApiProperty({ type: TrafficSampleDto, description: 'all traffic through the agent' }) @ValidateNested() @Type(() => TrafficSampleDto) agent!: TrafficSampleDto;
  @ApiProperty({ type: [BackendSampleDto] }) @ArrayMaxSize(MAX_BACKENDS_PER_REPORT) @ValidateNested({ each: true }) @Type(() => BackendSampleDto) backends!: BackendSampleDto[];
}

/** What an agent POSTs: one or more reports, oldest first. */
export class ReportBatchDto {
  @ApiProperty({ type: [ReportDto] }) @ArrayMinSize(1) @ArrayMaxSize(MAX_REPORTS_PER_BATCH) @ValidateNested({ each: true }) @Type(() => ReportDto) reports!: ReportDto[];
}

/** The answer to a report batch. */
export class ReportAckDto {
  @ApiProperty({ description: 'reports stored by this call' }) accepted!: number;
  @ApiProperty({ description: 'reports already stored earlier (same agentId and seq), ignored' }) duplicates!: number;
  @ApiProperty({ description: 'backend and agent samples stored by this call' }) samples!: number;
}

// ---- XML form (documented in docs/telemetry-report.md) ----------------------------------------

const histogramXml: XmlElementSchema = {
  attrs: { count: 'number', sum: 'number', min: 'number', max: 'number', buckets: 'string' },
  defaults: { count: 0, sum: 0, min: 0, max: 0, buckets: '' },
};
const trafficAttrs = {
  requests: 'number', responses1xx: 'number', responses2xx: 'number', responses3xx: 'number', responses4xx: 'number', responses5xx: 'number',
  inFlight: 'number', openConnections: 'number', bytesIn: 'number', bytesOut: 'number',
} as const;
/** In XML an absent counter is 0: most of a report's counters are, and leaving them out makes it about a quarter shorter and quicker to parse. */
const trafficDefaults = Object.fromEntries(Object.keys(trafficAttrs).map((name) => [name, 0]));
const trafficChildren = {
  errors: { tag: 'error', array: true, schema: { attrs: { cause: 'string', count: 'number' } } },
  latency: { tag: 'latency', schema: histogramXml },
} as const;

/** Element layout of a report batch; the codec decodes to the shape ReportBatchDto validates. */
export const REPORT_BATCH_XML: XmlDocumentSchema = {
  root: 'reportBatch',
  schema: {
    children: {
      reports: {
        tag: 'report',
        array: true,
        schema: {
          attrs: { seq: 'number', agentId: 'string', intervalStart: 'string', intervalEnd: 'string' },
          children: {
            host: {
              tag: 'host',
              schema: {
                attrs: {
                  cpuPercent: 'number', hostCpuPercent: 'number', memoryRssBytes: 'number', memoryTotalBytes: 'number', memoryFreeBytes: 'number',
                  loadAverage1: 'number', eventLoopDelayP50Ms: 'number', eventLoopDelayP99Ms: 'number', eventLoopDelayMaxMs: 'number',
                },
              },
            },
            agent: { tag: 'agent', schema: { attrs: { ...trafficAttrs }, defaults: trafficDefaults, children: { ...trafficChildren } } },
            backends: {
              tag: 'backend',
              array: true,
              schema: {
                attrs: { serviceId: 'string', serverId: 'string', healthy: 'boolean', draining: 'boolean', ...trafficAttrs },
                // healthy and draining stay required: a report that forgot them must not read as healthy.
                defaults: trafficDefaults,
                children: {
                  ...trafficChildren,
                  load: { tag: 'load', schema: { attrs: { format: 'string', error: 'string' }, children: { values: { tag: 'value', array: true, schema: { attrs: { name: 'string', value: 'number' } } } } } },
                },
              },
            },
          },
        },
      },
    },
  },
};

/** XML layout of the ack. */
export const REPORT_ACK_XML: XmlDocumentSchema = { root: 'reportAck', schema: { attrs: { accepted: 'number', duplicates: 'number', samples: 'number' } } };
