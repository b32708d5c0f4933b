import Ajv, { type ValidateFunction } from 'ajv';
import { isISO8601, isUUID } from 'class-validator';
import { BUCKETS_PATTERN } from '../../codec/src/histogram';
import { MAX_BACKENDS_PER_REPORT, MAX_REPORTS_PER_BATCH, type ReportBatchDto } from './report';

/**
 * The report batch as a JSON Schema, compiled once by ajv: the ingest fast path. A report is
 * validated tens of thousands of times a minute, and class-validator spends ~0.6 ms on one of
 * 20 backends (metadata lookups per nested object) where compiled code spends a few µs.
 *
 * The class-validator DTOs in report.ts stay the reference: ingest accepts what this schema
 * accepts, and asks class-validator about everything else (for its field-naming errors, and so
 * a stricter schema could never reject a valid report). report-schema.spec.ts checks with
 * fast-check that the two agree on valid reports and on thousands of mutated ones, so a change
 * to one that is not made to the other fails the tests.
 */
const MAX_COUNT = Number.MAX_SAFE_INTEGER;
const count = { type: 'integer', minimum: 0, maximum: MAX_COUNT };
const finite = (min: number, max: number) => ({ type: 'number', minimum: min, maximum: max });
const object = (properties: Record<string, unknown>, optional: string[] = []) => ({
  type: 'object',
  properties,
  required: Object.keys(properties).filter((k) => !optional.includes(k)),
  additionalProperties: false,
});

const histogram = object({ count, sum: count, min: count, max: count, buckets: { type: 'string', maxLength: 24_000, format: 'hr-buckets' } });
const errorCount = object({ cause: { type: 'string', pattern: '^[a-z][a-z0-9_]{0,31}$' }, count });
const trafficProperties = {
  requests: count, responses1xx: count, responses2xx: count, responses3xx: count, responses4xx: count, responses5xx: count,
  inFlight: count, openConnections: count, bytesIn: count, bytesOut: count,
  errors: { type: 'array', maxItems: 32, items: errorCount },
  latency: histogram,
};
const loadValue = object({ name: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_.]{0,63}$' }, value: { type: 'number' } });
// class-validator's @IsOptional() lets null through as well as a missing key.
const backendLoad = object({ format: { enum: ['json', 'prometheus'] }, error: { type: ['string', 'null'], maxLength: 200 }, values: { type: 'array', maxItems: 32, items: loadValue } }, ['error']);
const backend = object({
  ...trafficProperties,
  serviceId: { type: 'string', format: 'hr-uuid' },
  serverId: { type: 'string', format: 'hr-uuid' },
  healthy: { type: 'boolean' },
  draining: { type: 'boolean' },
  load: { anyOf: [{ type: 'null' }, backendLoad] },
}, ['load']);
const host = object({
  cpuPercent: finite(0, 100_000), hostCpuPercent: finite(0, 100), memoryRssBytes: count, memoryTotalBytes: count, memoryFreeBytes: count,
  loadAverage1: finite(0, 1_000_000), eventLoopDelayP50Ms: finite(0, 3_600_000), eventLoopDelayP99Ms: finite(0, 3_600_000), eventLoopDelayMaxMs: finite(0, 3_600_000),
});
const report = object({
  seq: count,
  agentId: { type: 'string', format: 'hr-uuid' },
  intervalStart: { type: 'string', format: 'hr-iso8601' },
  intervalEnd: { type: 'string', format: 'hr-iso8601' },
  host,
  agent: object(trafficProperties),
  backends: { type: 'array', maxItems: MAX_BACKENDS_PER_REPORT, items: backend },
});
export const REPORT_BATCH_SCHEMA = object({ reports: { type: 'array', minItems: 1, maxItems: MAX_REPORTS_PER_BATCH, items: report } });

let compiled: ValidateFunction<ReportBatchDto> | undefined;

/** True when the plain batch is valid; false means "ask class-validator", not necessarily invalid. */
export function fastValidReportBatch(plain: unknown): plain is ReportBatchDto {
  if (!compiled) {
    // allErrors off: the first failure is enough, class-validator names the fields.
    const ajv = new Ajv({ allErrors: false, strict: true, allowUnionTypes: true });
    // The same functions class-validator's decorators call, so the formats cannot drift.
    ajv.addFormat('hr-uuid', (s: string) => isUUID(s));
    ajv.addFormat('hr-iso8601', (s: string) => isISO8601(s, { strict: true }));
    ajv.addFormat('hr-buckets', (s: string) => BUCKETS_PATTERN.test(s));
    compiled = ajv.compile<ReportBatchDto>(REPORT_BATCH_SCHEMA);
  }
  return compiled(plain);
}
