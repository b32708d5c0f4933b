import fc from 'fast-check';
import { Histogram } from '../../codec/src/histogram';

// fast-check arbitraries for report batches as an agent measures them (tests only).

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
export const batch = fc.record({ reports: fc.array(report, { minLength: 1, maxLength: 4 }) });

