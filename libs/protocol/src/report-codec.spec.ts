import fc from 'fast-check';
import { Histogram } from '../../codec/src/histogram';
import { CodecError } from '../../codec/src/errors';
import type { ReportBatchDto } from './report';
import { decodeReportBatchXml, encodeReportBatchXml, validateReportBatch } from './report-codec';

const count = fc.nat({ max: 2 ** 40 });
const ms = fc.double({ min: 0, max: 60_000, noNaN: true, noDefaultInfinity: true });
const histogram = fc.array(fc.integer({ min: 0, max: 120_000_000 }), { maxLength: 40 }).map((values) => {
  const h = new Histogram();
  for (const v of values) h.record(v);
  return h.toData();
});
const traffic = fc.record({
  requests: count, responses1xx: count, responses2xx: count, responses3xx: count, responses4xx: count, responses5xx: count,
  inFlight: count, openConnections: count, bytesIn: count, bytesOut: count,
  errors: fc.uniqueArray(fc.record({ cause: fc.constantFrom('connect', 'timeout', 'reset', 'protocol', 'aborted', 'other_1'), count }), { selector: (e) => e.cause, maxLength: 6 }),
  latency: histogram,
});
const load = fc.record(
  {
    format: fc.constantFrom('json' as const, 'prometheus' as const),
    error: fc.string({ maxLength: 50 }),
    values: fc.array(fc.record({ name: fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_.]{0,20}$/), value: fc.double({ noNaN: true, noDefaultInfinity: true }) }), { maxLength: 4 }),
  },
  { requiredKeys: ['format', 'values'] },
);
const backend = fc.record(
  { serviceId: fc.uuid(), serverId: fc.uuid(), healthy: fc.boolean(), draining: fc.boolean(), load, traffic },
  { requiredKeys: ['serviceId', 'serverId', 'healthy', 'draining', 'traffic'] },
).map(({ traffic: t, ...rest }) => ({ ...rest, ...t }));
const date = fc.date({ min: new Date('2020-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }).map((d) => d.toISOString());
const report = fc.record({
  seq: fc.nat({ max: Number.MAX_SAFE_INTEGER }),
  agentId: fc.uuid(),
  intervalStart: date,
  intervalEnd: date,
  host: fc.record({
    cpuPercent: fc.double({ min: 0, max: 800, noNaN: true }), hostCpuPercent: fc.double({ min: 0, max: 100, noNaN: true }),
    memoryRssBytes: count, memoryTotalBytes: count, memoryFreeBytes: count, loadAverage1: fc.double({ min: 0, max: 512, noNaN: true }),
    eventLoopDelayP50Ms: ms, eventLoopDelayP99Ms: ms, eventLoopDelayMaxMs: ms,
  }),
  agent: traffic,
  backends: fc.array(backend, { maxLength: 5 }),
});
const batch = fc.record({ reports: fc.array(report, { minLength: 1, maxLength: 4 }) });

const normal = (v: unknown) => JSON.parse(JSON.stringify(v)) as unknown;

describe('report codec', () => {
  it('decodes every measured batch encoded as XML to the same samples, and the DTO accepts it', () => {
    fc.assert(
      fc.property(batch, (b) => {
        const decoded = decodeReportBatchXml(encodeReportBatchXml(b as ReportBatchDto));
        const result = validateReportBatch(decoded);
        if (!result.ok) throw new Error(JSON.stringify(result.errors));
        expect(normal(result.batch)).toEqual(normal(b));
      }),
      { numRuns: 200 },
    );
  });

  it('accepts the same batch as JSON', () => {
    fc.assert(fc.property(batch, (b) => validateReportBatch(normal(b)).ok), { numRuns: 50 });
  });

  it.each([
    ['a string where a number belongs', (b: any) => (b.reports[0].seq = 'x'), 'reports.0.seq'],
    ['an unknown field', (b: any) => (b.reports[0].host.extra = 1), 'reports.0.host.extra'],
    ['an object where a scalar belongs', (b: any) => (b.reports[0].agent.requests = { $gt: 1 }), 'reports.0.agent.requests'],
    ['a malformed histogram', (b: any) => (b.reports[0].agent.latency.buckets = '1:2,,'), 'reports.0.agent.latency.buckets'],
  ])('names the field for %s', (_n, mutate, field) => {
    const b = normal(fc.sample(batch, { numRuns: 1, seed: 7 })[0]) as any;
    mutate(b);
    const result = validateReportBatch(b);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors.map((e) => e.field)).toContain(field);
  });

  it('refuses __proto__ keys in JSON before class-transformer sees them', () => {
    expect(() => validateReportBatch(JSON.parse('{"reports":[],"__proto__":{"polluted":true}}'))).toThrow(CodecError);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
