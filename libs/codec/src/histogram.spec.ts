import fc from 'fast-check';
import { bucketBounds, bucketIndex, formatBuckets, Histogram, HISTOGRAM_BUCKETS, parseBuckets } from './histogram';

describe(Histogram.name, () => {
  it.each([
    [0, 0], [1, 1], [31, 31], [32, 32], [33, 33], [63, 63], [64, 64], [65, 64], [66, 65], [127, 95], [128, 96], [1000, 32 + 4 * 32 + 30],
  ])('puts %d into bucket %d', (value, index) => {
    expect(bucketIndex(value)).toBe(index);
    const [lo, hi] = bucketBounds(index);
    expect(value).toBeGreaterThanOrEqual(lo);
    expect(value).toBeLessThanOrEqual(hi);
  });

  it('keeps every bucket within 1/32 relative width and in range', () => {
    for (let i = 32; i < HISTOGRAM_BUCKETS; i++) {
      const [lo, hi] = bucketBounds(i);
      expect(bucketIndex(lo)).toBe(i);
      expect(bucketIndex(hi)).toBe(i);
      expect((hi - lo + 1) / lo).toBeLessThanOrEqual(1 / 32);
    }
    expect(bucketIndex(2 ** 40)).toBe(HISTOGRAM_BUCKETS - 1);
    expect(bucketIndex(-5)).toBe(0);
  });

  it.each([
    [50, 500],
    [90, 900],
    [99, 990],
    [100, 1000],
    [0, 1],
  ])('p%d of 1..1000 is within 3%% of %d', (p, expected) => {
    const sut = new Histogram();
    for (let v = 1; v <= 1000; v++) sut.record(v);
    expect(Math.abs(sut.percentile(p) - expected) / expected).toBeLessThanOrEqual(0.03);
  });

  it('gives several percentiles in one pass, in any order, as ranking the recorded values does', () => {
    // Reference: the bucket of the rank-th smallest value, its midpoint clamped to min/max.
    const reference = (values: number[], p: number) => {
      const sorted = [...values].sort((a, b) => a - b);
      const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
      if (rank >= sorted.length) return sorted[sorted.length - 1];
      const [lo, hi] = bucketBounds(bucketIndex(sorted[rank - 1]));
      return Math.min(sorted[sorted.length - 1], Math.max(sorted[0], Math.round((lo + hi) / 2)));
    };
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 10_000_000 }), { minLength: 1, maxLength: 300 }), fc.array(fc.integer({ min: 0, max: 100 }), { minLength: 1, maxLength: 5 }), (values, ps) => {
        const sut = new Histogram();
        for (const v of values) sut.record(v);
        expect(sut.percentiles(ps)).toEqual(ps.map((p) => reference(values, p)));
        expect(Histogram.fromParsed(parseBuckets(sut.toData().buckets), sut).percentiles(ps)).toEqual(ps.map((p) => reference(values, p)));
      }),
    );
    expect(new Histogram().percentiles([50, 99])).toEqual([0, 0]);
  });

  it('merges by adding counts: merge(a, b) has the same percentiles as recording both', () => {
    const a = new Histogram();
    const b = new Histogram();
    const both = new Histogram();
    for (let v = 0; v < 5000; v += 7) {
      (v % 2 ? a : b).record(v * 13);
      both.record(v * 13);
    }
    const merged = new Histogram().merge(a.toData()).merge(b);
    expect(merged.toData()).toEqual(both.toData());
    for (const p of [50, 90, 99]) expect(merged.percentile(p)).toBe(both.percentile(p));
  });

  it('round-trips through its wire and storage forms', () => {
    const sut = new Histogram().record(5).record(5000, 3).record(123456);
    expect(Histogram.fromData(sut.toData()).toData()).toEqual(sut.toData());
    expect(Histogram.fromCounts(sut.countsRecord(), sut).toData()).toEqual(sut.toData());
    expect(new Histogram().percentile(99)).toBe(0);
  });

  it.each(['1', '1:', ':1', '99999:1', '1:-1', '1:1,,2:2', '1:1,', ',1:1', '1:1;2:2', '12345:1', `${HISTOGRAM_BUCKETS}:1`, '1:12345678901234567', '1:9007199254740993', ' 1:1', '1:1 '])('refuses bucket list %j', (s) => {
    expect(() => parseBuckets(s)).toThrow(/bad histogram bucket/);
  });

  it('parses what formatBuckets writes, adding repeated indexes', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: HISTOGRAM_BUCKETS - 1 }), fc.integer({ min: 1, max: 2 ** 40 })), { maxLength: 50 }), (pairs) => {
        const counts = new Map<number, number>();
        for (const [i, n] of pairs) counts.set(i, (counts.get(i) ?? 0) + n);
        expect(parseBuckets(formatBuckets(counts))).toEqual(new Map([...counts].sort((a, b) => a[0] - b[0])));
      }),
    );
    expect(parseBuckets('3:1,3:2,7:0')).toEqual(new Map([[3, 3], [7, 0]]));
  });
});
