import fc from 'fast-check';
import { LATENCY_BOUNDS_MS, LatencyHistogram } from './histogram';

describe(LatencyHistogram.name, () => {
  it.each([
    [0, 0],
    [0.1, 0],
    [0.11, 1],
    [1, 3],
    [3, 5],
    [50_000, LATENCY_BOUNDS_MS.length - 1],
    [50_001, LATENCY_BOUNDS_MS.length],
  ])('puts %p ms into bucket %p (upper bound inclusive)', (ms, bucket) => {
    const sut = new LatencyHistogram();
    sut.record(ms);
    expect(sut.counts.findIndex((c) => c === 1)).toBe(bucket);
    expect(sut.count).toBe(1);
    expect(sut.sumMs).toBe(ms);
  });

  it('merges by adding counts: merge(a, b) equals recording both', () => {
    fc.assert(fc.property(fc.array(fc.double({ min: 0, max: 100_000, noNaN: true })), fc.array(fc.double({ min: 0, max: 100_000, noNaN: true })), (xs, ys) => {
      const a = new LatencyHistogram();
      const b = new LatencyHistogram();
      const both = new LatencyHistogram();
      xs.forEach((x) => { a.record(x); both.record(x); });
      ys.forEach((y) => { b.record(y); both.record(y); });
      a.merge(b.snapshot());
      expect(a.counts).toEqual(both.counts);
      expect(a.count).toBe(both.count);
    }));
  });

  it('estimates quantiles within the bucket that holds them', () => {
    const sut = new LatencyHistogram();
    for (let i = 0; i < 90; i++) sut.record(3); // bucket (2, 5]
    for (let i = 0; i < 10; i++) sut.record(150); // bucket (100, 200]
    expect(sut.quantile(0.5)).toBeGreaterThan(2);
    expect(sut.quantile(0.5)).toBeLessThanOrEqual(5);
    expect(sut.quantile(0.99)).toBeGreaterThan(100);
    expect(sut.quantile(0.99)).toBeLessThanOrEqual(200);
    expect(new LatencyHistogram().quantile(0.5)).toBeNaN();
  });
});
