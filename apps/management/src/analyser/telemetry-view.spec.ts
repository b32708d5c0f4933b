import { Histogram } from '../../../../libs/codec/src/histogram';
import { metricOf, SampleRow } from './telemetry-view';

const sample = (serverId: string, requests: number, latencyUs: number, withHistogram = true): SampleRow => {
  const h = new Histogram();
  h.record(latencyUs, requests);
  return {
    agentId: 'a1', serverId, at: 1000, intervalMs: 1000, requests, errors: 0, responses5xx: 0, inFlight: 0, p90Us: h.percentile(90), p99Us: h.percentile(99),
    healthy: true, draining: false, load: null, cpu: null, latency: withHistogram ? h.toData() : null,
  };
};

describe('telemetry view', () => {
  describe(metricOf.name, () => {
    it('p95 of several samples is the p95 of their merged histograms, not an average of their own p95s', () => {
      // 90 fast requests on one server, 10 slow ones on another: the 95th of the 100 is slow.
      const v = metricOf('p95_latency_ms', [sample('s1', 90, 1000), sample('s2', 10, 100_000)]);
      expect(v.value).toBeGreaterThan(97);
      expect(v.value).toBeLessThan(103);
      expect(v.detail).toMatch(/merged latency histograms of 2 sample/);
    });

    it('error_rate: transport errors and 5xx over requests, across servers', () => {
      const v = metricOf('error_rate', [{ ...sample('s1', 90, 1000), errors: 3, responses5xx: 6 }, { ...sample('s2', 10, 1000), responses5xx: 1 }]);
      expect(v.value).toBeCloseTo(0.1, 9);
      expect(v.detail).toBe('10 errors and 5xx of 100 requests');
      expect(metricOf('error_rate', [sample('s1', 0, 1000)]).value).toBe(0);
      expect(metricOf('error_rate', []).value).toBeNull();
    });

    it('cpu and load: the mean of the values the samples carry, ignoring samples without one', () => {
      const rows = [{ ...sample('s1', 10, 1000), cpu: 40, load: 0.5 }, { ...sample('s2', 10, 1000), cpu: 80, load: null }, { ...sample('s3', 10, 1000), cpu: null, load: 0.9 }];
      expect(metricOf('cpu', rows)).toMatchObject({ value: 60, detail: 'mean of 2 self-reported value(s)' });
      expect(metricOf('load', rows).value).toBeCloseTo(0.7, 9);
      expect(metricOf('cpu', [sample('s1', 10, 1000)]).value).toBeNull();
    });

    it('falls back to p90/p99 interpolation, request-weighted, when a sample has no histogram', () => {
      const v = metricOf('p95_latency_ms', [sample('s1', 90, 1000, false), sample('s2', 10, 100_000)]);
      expect(v.value).toBeLessThan(15);
      expect(v.detail).toMatch(/interpolated/);
    });
  });
});
