import { Histogram } from '../../../../libs/codec/src/histogram';
import type { ContentModule } from '../content/content.module';
import { LATENCY_BOUNDS_MS } from '../content/histogram';

/** Monotonic counters of one backend (or of the whole agent) at one instant. */
export interface CounterSnapshot {
  requests: number;
  responses: [number, number, number, number, number];
  errors: Record<string, number>;
  bytesIn: number;
  bytesOut: number;
  /** cumulative latency bucket counts, in the source's own bucket layout */
  latencyCounts: number[];
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
  /** Upper bounds (ms) of the latency buckets in `latencyCounts`; the last count is overflow. */
  readonly latencyBoundsMs: readonly number[];
}

/** Reads the content module's counters (monotonic; the reporter takes differences). */
export function contentStatsSource(content: ContentModule): StatsSource {
  return {
    latencyBoundsMs: LATENCY_BOUNDS_MS,
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
          errors: { ...s.errors }, bytesIn: s.bytesIn, bytesOut: s.bytesOut, latencyCounts: [...s.latency.counts], latencySumMs: s.latency.sumMs,
          inFlight: s.inflight, openConnections: b.openConnections(),
        });
      }
      const t = content.totals;
      const agent: CounterSnapshot = {
        requests: t.requests, responses: [t.responses['1xx'], t.responses['2xx'], t.responses['3xx'], t.responses['4xx'], t.responses['5xx']],
        errors: { no_route: t.noRoute, no_backend: t.noBackend, rejected: t.rejected, aborted: t.aborted },
        bytesIn: backends.reduce((n, b) => n + b.bytesIn, 0), bytesOut: backends.reduce((n, b) => n + b.bytesOut, 0),
        latencyCounts: [...t.latency.counts], latencySumMs: t.latency.sumMs, inFlight: t.inflight, openConnections: backends.reduce((n, b) => n + b.openConnections, 0),
      };
      return { agent, backends };
    },
  };
}

/**
 * Turns the difference of two cumulative bucketed histograms into an HDR-style one: each
 * bucket's new count is recorded at the bucket's midpoint (µs). The data plane's buckets are
 * coarse (1-2-5), so percentiles carry that resolution; totals stay exact.
 */
export function bucketDeltaToHistogram(boundsMs: readonly number[], now: number[], before: number[] | undefined): Histogram {
  const h = new Histogram();
  for (let i = 0; i < now.length; i++) {
    const n = now[i] - (before?.[i] ?? 0);
    if (n <= 0) continue;
    const lo = i === 0 ? 0 : boundsMs[i - 1];
    const hi = i < boundsMs.length ? boundsMs[i] : boundsMs[boundsMs.length - 1] * 2;
    h.record(((lo + hi) / 2) * 1000, n);
  }
  return h;
}
