import { bucketBounds, Histogram } from '../../../../libs/codec/src/histogram';
import type { ContentModule } from '../content/content.module';

/** Monotonic counters of one backend (or of the whole agent) at one instant. */
export interface CounterSnapshot {
  requests: number;
  responses: [number, number, number, number, number];
  errors: Record<string, number>;
  bytesIn: number;
  bytesOut: number;
  /** cumulative latency counts per HDR bucket (µs; libs/codec/src/histogram.ts) */
  latencyHdr: Float64Array;
  latencySumMs: number;
  inFlight: number;
  openConnections: number;
}

export interface BackendSnapshot extends CounterSnapshot {
  serviceId: string;
  serverId: string;
  host: string;
  port: number;
  protocol: 'http' | 'https';
  healthy: boolean;
  draining: boolean;
}

/** What the reporting module reads every interval; the data plane implements it. */
export interface StatsSource {
  snapshot(): { agent: CounterSnapshot; backends: BackendSnapshot[] };
}

/** Reads the content module's counters (monotonic; the reporter takes differences). */
export function contentStatsSource(content: ContentModule): StatsSource {
  return {
    snapshot() {
      const backends: BackendSnapshot[] = [];
      const now = Date.now();
      for (const { backend: b, draining } of content.allBackends()) {
        const s = b.stats;
        backends.push({
          serviceId: b.serviceId, serverId: b.config.id, host: b.config.host, port: b.config.port, protocol: b.config.protocol,
          // 'unknown' (no health check passed yet) is not healthy: the updates module verifies with this.
          healthy: b.health === 'healthy' && now >= b.ejectedUntil && !draining, draining,
          requests: s.requests, responses: [s.responses['1xx'], s.responses['2xx'], s.responses['3xx'], s.responses['4xx'], s.responses['5xx']],
          errors: { ...s.errors }, bytesIn: s.bytesIn, bytesOut: s.bytesOut, latencyHdr: s.latency.hdr.slice(), latencySumMs: s.latency.sumMs,
          inFlight: s.inflight, openConnections: b.openConnections(),
        });
      }
      const t = content.totals;
      const agent: CounterSnapshot = {
        requests: t.requests, responses: [t.responses['1xx'], t.responses['2xx'], t.responses['3xx'], t.responses['4xx'], t.responses['5xx']],
        errors: { no_route: t.noRoute, no_backend: t.noBackend, rejected: t.rejected, aborted: t.aborted },
        bytesIn: backends.reduce((n, b) => n + b.bytesIn, 0), bytesOut: backends.reduce((n, b) => n + b.bytesOut, 0),
        latencyHdr: t.latency.hdr.slice(), latencySumMs: t.latency.sumMs, inFlight: t.inflight, openConnections: backends.reduce((n, b) => n + b.openConnections, 0),
      };
      return { agent, backends };
    },
  };
}

/**
 * One interval's histogram from two cumulative HDR snapshots: bucket counts subtract exactly;
 * the sum comes from the running sum; min and max are the bounds of the lowest and highest
 * non-empty buckets (within a bucket's ≈3 %).
 */
export function hdrDeltaToHistogram(now: Float64Array, before: Float64Array | undefined, sumMs: number): Histogram {
  const h = new Histogram();
  let lo = -1;
  let hi = -1;
  for (let i = 0; i < now.length; i++) {
    const n = now[i] - (before?.[i] ?? 0);
    if (n <= 0) continue;
    h.counts.set(i, n);
    h.count += n;
    if (lo === -1) lo = i;
    hi = i;
  }
  if (h.count > 0) {
    h.min = bucketBounds(lo)[0];
    h.max = bucketBounds(hi)[1];
    h.sum = Math.max(0, Math.round(sumMs * 1000));
  }
  return h;
}
