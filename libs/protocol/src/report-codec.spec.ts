import fc from 'fast-check';
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
