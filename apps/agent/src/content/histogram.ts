import { bucketIndex, HISTOGRAM_BUCKETS } from '../../../../libs/codec/src/histogram';

/**
 * Latency histogram kept two ways, both with bucket layouts shared by every instance so they
 * merge by adding counts: fixed log-scale (1-2-5) bounds for the agent's Prometheus histogram,
 * and the HDR-style layout of libs/codec (≈3 % wide buckets, in µs) that reports carry, so the
 * management API's percentiles are not limited to 1-2-5 resolution. Recording is a short scan,
 * a few integer operations and four additions; no allocation on the hot path.
 */
export const LATENCY_BOUNDS_MS: readonly number[] = [
  0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 20_000, 50_000,
];

export interface HistogramSnapshot {
  /** Upper bounds in ms; `counts` has one more entry, the overflow (+Inf) bucket. */
  boundsMs: readonly number[];
  counts: number[];
  count: number;
  sumMs: number;
}

export class LatencyHistogram {
  readonly counts: number[] = new Array<number>(LATENCY_BOUNDS_MS.length + 1).fill(0);
  /** Cumulative counts per HDR bucket of the latency in µs (libs/codec/src/histogram.ts). */
  readonly hdr = new Float64Array(HISTOGRAM_BUCKETS);
  count = 0;
  sumMs = 0;

  record(ms: number): void {
    let i = 0;
    const n = LATENCY_BOUNDS_MS.length;
    while (i < n && ms > LATENCY_BOUNDS_MS[i]) i++;
    this.counts[i]++;
    this.hdr[bucketIndex(ms * 1000)]++;
    this.count++;
    this.sumMs += ms;
  }

  merge(other: HistogramSnapshot | LatencyHistogram): this {
    for (let i = 0; i < this.counts.length; i++) this.counts[i] += other.counts[i] ?? 0;
    if (other instanceof LatencyHistogram) for (let i = 0; i < HISTOGRAM_BUCKETS; i++) this.hdr[i] += other.hdr[i];
    this.count += other.count;
    this.sumMs += other.sumMs;
    return this;
  }

  snapshot(): HistogramSnapshot {
    return { boundsMs: LATENCY_BOUNDS_MS, counts: [...this.counts], count: this.count, sumMs: this.sumMs };
  }

  /**
   * The q-quantile (0..1) in ms, interpolated linearly inside its bucket; the overflow bucket
   * reports the last finite bound. NaN when empty.
   */
  quantile(q: number): number {
    if (this.count === 0) return NaN;
    const rank = Math.min(1, Math.max(0, q)) * this.count;
    let seen = 0;
    for (let i = 0; i < this.counts.length; i++) {
      const c = this.counts[i];
      if (c > 0 && seen + c >= rank) {
        if (i >= LATENCY_BOUNDS_MS.length) return LATENCY_BOUNDS_MS[LATENCY_BOUNDS_MS.length - 1];
        const lo = i === 0 ? 0 : LATENCY_BOUNDS_MS[i - 1];
        const hi = LATENCY_BOUNDS_MS[i];
        return lo + ((hi - lo) * (rank - seen)) / c;
      }
      seen += c;
    }
    return LATENCY_BOUNDS_MS[LATENCY_BOUNDS_MS.length - 1];
  }
}
