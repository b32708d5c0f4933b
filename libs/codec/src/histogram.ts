/**
 * HDR-style log-linear histogram of non-negative integer values (latency in microseconds).
 * Values below 2^SUB_BITS land in exact buckets; above, each power of two is split into
 * 2^SUB_BITS linear sub-buckets, so a bucket's width is at most 1/32 of its value (≈3 %
 * relative error). Bucket indexes are the same everywhere, so histograms merge by adding counts
 * (backend → service → agent → across agents → per-minute roll-ups).
 */
export const SUB_BITS = 5;
const SUB = 1 << SUB_BITS;
/** Largest value recorded as itself; larger values are clamped (≈ 71 minutes in µs). */
export const HISTOGRAM_MAX_VALUE = 0xffffffff;
/** One more than the largest bucket index. */
export const HISTOGRAM_BUCKETS = SUB + (32 - SUB_BITS) * SUB;

/** The bucket a value falls into. */
export function bucketIndex(value: number): number {
  const v = value <= 0 ? 0 : value >= HISTOGRAM_MAX_VALUE ? HISTOGRAM_MAX_VALUE : Math.floor(value);
  if (v < SUB) return v;
  const e = 31 - Math.clz32(v);
  const sub = (v >>> (e - SUB_BITS)) & (SUB - 1);
  return SUB + (e - SUB_BITS) * SUB + sub;
}

/** Smallest and largest value of a bucket. */
export function bucketBounds(index: number): [number, number] {
  if (index < SUB) return [index, index];
  const e = Math.floor((index - SUB) / SUB) + SUB_BITS;
  const sub = (index - SUB) % SUB;
  const width = 2 ** (e - SUB_BITS);
  const lo = (SUB + sub) * width;
  return [lo, lo + width - 1];
}

/** Wire and storage form: totals plus sparse "index:count" pairs in ascending index order. */
export interface HistogramData {
  count: number;
  sum: number;
  min: number;
  max: number;
  /** "i:n,i:n"; empty when count is 0. */
  buckets: string;
}

/** A mergeable histogram; `record` costs a few integer operations and a Map update. */
export class Histogram {
  readonly counts = new Map<number, number>();
  count = 0;
  sum = 0;
  min = 0;
  max = 0;

  record(value: number, times = 1): this {
    if (!(times > 0) || !Number.isFinite(value)) return this;
    const v = Math.min(HISTOGRAM_MAX_VALUE, Math.max(0, Math.round(value)));
    const i = bucketIndex(v);
    this.counts.set(i, (this.counts.get(i) ?? 0) + times);
    if (this.count === 0 || v < this.min) this.min = v;
    if (v > this.max) this.max = v;
    this.count += times;
    this.sum += v * times;
    return this;
  }

  merge(other: Histogram | HistogramData): this {
    if (other.count === 0) return this;
    const counts = other instanceof Histogram ? other.counts : parseBuckets(other.buckets);
    for (const [i, n] of counts) this.counts.set(i, (this.counts.get(i) ?? 0) + n);
    this.min = this.count === 0 ? other.min : Math.min(this.min, other.min);
    this.max = Math.max(this.max, other.max);
    this.count += other.count;
    this.sum += other.sum;
    return this;
  }

  /**
   * The p-th percentile (0..100): the midpoint of the bucket holding that rank, clamped to the
   * recorded min/max so p0 and p100 are exact. 0 when empty.
   */
  percentile(p: number): number {
    return this.percentiles([p])[0];
  }

  /** Several percentiles in one pass over the buckets (each as `percentile` gives it); `ps` in any order. */
  percentiles(ps: readonly number[]): number[] {
    const out = ps.map(() => this.max);
    if (this.count === 0) return out.fill(0);
    const ranks = ps.map((p) => Math.max(1, Math.ceil((Math.min(100, Math.max(0, p)) / 100) * this.count)));
    const order = ranks.map((_, n) => n).filter((n) => ranks[n] < this.count).sort((a, b) => ranks[a] - ranks[b]);
    if (!order.length) return out;
    const keys = [...this.counts.keys()].sort((a, b) => a - b);
    let next = 0;
    let seen = 0;
    for (const i of keys) {
      seen += this.counts.get(i)!;
      while (next < order.length && seen >= ranks[order[next]]) {
        const [lo, hi] = bucketBounds(i);
        out[order[next++]] = Math.min(this.max, Math.max(this.min, Math.round((lo + hi) / 2)));
      }
      if (next === order.length) break;
    }
    return out;
  }

  toData(): HistogramData {
    return { count: this.count, sum: this.sum, min: this.min, max: this.max, buckets: formatBuckets(this.counts) };
  }

  static fromData(d: HistogramData): Histogram {
    return new Histogram().merge(d);
  }

  /** Takes over parsed bucket counts (parseBuckets' map) with the totals that came with them. */
  static fromParsed(counts: Map<number, number>, totals: { count: number; sum: number; min: number; max: number }): Histogram {
    const h = new Histogram();
    for (const [i, n] of counts) if (n > 0) h.counts.set(i, n);
    h.count = totals.count;
    h.sum = totals.sum;
    h.min = totals.min;
    h.max = totals.max;
    return h;
  }

  /** Rebuilds from a sparse {index: count} record (the JSONB storage form). */
  static fromCounts(counts: Record<string, number>, totals: { count: number; sum: number; min: number; max: number }): Histogram {
    return Histogram.fromParsed(new Map(Object.entries(counts).map(([k, n]) => [Number(k), Number(n)])), totals);
  }

  /** The sparse {index: count} record stored in JSONB. */
  countsRecord(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [i, n] of this.counts) out[String(i)] = n;
    return out;
  }
}

/** Formats sparse counts as "i:n,i:n" in ascending index order. */
export function formatBuckets(counts: Map<number, number>): string {
  return [...counts.entries()].filter(([, n]) => n > 0).sort((a, b) => a[0] - b[0]).map(([i, n]) => `${i}:${n}`).join(',');
}

/** Matches a well-formed bucket list; linear, no backtracking. */
export const BUCKETS_PATTERN = /^(?:\d{1,4}:\d{1,15}(?:,\d{1,4}:\d{1,15})*)?$/;

/** Parses "i:n,i:n"; throws on malformed input or an index out of range. One pass, no regex (every stored sample parses one). */
export function parseBuckets(s: string): Map<number, number> {
  const out = new Map<number, number>();
  if (!s) return out;
  const len = s.length;
  for (let p = 0; ; p++) {
    const start = p;
    let i = 0;
    let n = 0;
    while (p < len && p - start < 5 && s.charCodeAt(p) >= 48 && s.charCodeAt(p) <= 57) i = i * 10 + (s.charCodeAt(p++) - 48);
    const indexDigits = p - start;
    let ok = indexDigits >= 1 && indexDigits <= 4 && s.charCodeAt(p) === 58; /* : */
    if (ok) {
      const from = ++p;
      while (p < len && p - from < 17 && s.charCodeAt(p) >= 48 && s.charCodeAt(p) <= 57) n = n * 10 + (s.charCodeAt(p++) - 48);
      const countDigits = p - from;
      ok = countDigits >= 1 && countDigits <= 16 && (p === len || s.charCodeAt(p) === 44) /* , */ && i < HISTOGRAM_BUCKETS && Number.isSafeInteger(n);
    }
    if (!ok) {
      const end = s.indexOf(',', start);
      throw new Error(`bad histogram bucket "${s.slice(start, end === -1 ? len : end).slice(0, 40)}"`);
    }
    out.set(i, (out.get(i) ?? 0) + n);
    if (p === len) return out;
  }
}
