import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CodecError } from '../../codec/src/errors';
import type { ReportBatchDto } from './report';
import { batch } from './report.arbitrary';
import { decodeReportBatchXml, encodeReportBatchXml, validateReportBatch } from './report-codec';

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

  it('leaves zero counters and empty histograms out of the XML, and they decode as 0', () => {
    const b = normal(fc.sample(batch, { numRuns: 1, seed: 7 })[0]) as ReportBatchDto;
    const r = b.reports[0];
    r.backends = [{ ...r.agent, errors: [], requests: 5, responses1xx: 0, responses2xx: 5, responses3xx: 0, responses4xx: 0, responses5xx: 0, inFlight: 0, openConnections: 0, bytesIn: 0, bytesOut: 0, latency: { count: 0, sum: 0, min: 0, max: 0, buckets: '' }, serviceId: r.agentId, serverId: r.agentId, healthy: true, draining: false }];
    const xml = encodeReportBatchXml(b);
    const backend = /<backend [^>]*>/.exec(xml)![0];
    expect(backend).toBe(`<backend serviceId="${r.agentId}" serverId="${r.agentId}" healthy="true" draining="false" requests="5" responses2xx="5">`);
    const result = validateReportBatch(decodeReportBatchXml(xml));
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    expect(normal(result.batch.reports[0].backends[0])).toEqual(normal(r.backends[0]));
  });

  it('accepts the example in docs/telemetry-report.md', () => {
    const md = readFileSync(join(__dirname, '../../../docs/telemetry-report.md'), 'utf8');
    const xml = /```xml\n([\s\S]*?)```/.exec(md)![1];
    const result = validateReportBatch(decodeReportBatchXml(xml));
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    expect(result.batch.reports[0].agent).toMatchObject({ requests: 120, responses1xx: 0, inFlight: 0, latency: { count: 0, buckets: '' } });
    expect(result.batch.reports[0].backends[0]).toMatchObject({ healthy: true, draining: false, responses1xx: 0, responses5xx: 2, inFlight: 3 });
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
