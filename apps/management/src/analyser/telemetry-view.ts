import { Histogram, type HistogramData } from '../../../../libs/codec/src/histogram';
import type { Metric, MetricPoint } from './headroom';

/** One stored sample as the analyser reads it (one backend, one agent, one interval). */
export interface SampleRow {
  agentId: string;
  serverId: string;
  /** End of the interval, ms since the epoch. */
  at: number;
  intervalMs: number;
  requests: number;
  errors: number;
  responses5xx: number;
  inFlight: number;
  p90Us: number;
  p99Us: number;
  healthy: boolean | null;
  draining: boolean | null;
  load: number | null;
  cpu: number | null;
  /** The interval's latency histogram (µs), when stored: merged across samples for a true p95. */
  latency?: HistogramData | null;
}

export interface MetricValue {
  value: number | null;
  /** Servers serving the service in these samples (not draining). */
  reporting: number;
  totalRps: number;
  detail: string;
}

/** p95 from the stored p90 and p99 by linear interpolation: the fallback when a sample has no histogram. */
export function p95Us(s: Pick<SampleRow, 'p90Us' | 'p99Us'>): number {
  return s.p90Us + ((s.p99Us - s.p90Us) * 5) / 9;
}

/** The metric per server over one set of samples (each agent's share of each backend added up). */
export function metricOf(metric: Metric, samples: SampleRow[]): MetricValue {
  const serving = new Set(samples.filter((s) => !s.draining).map((s) => s.serverId));
  const reporting = serving.size;
  const per = Math.max(reporting, 1);
  const rps = samples.reduce((a, s) => a + (s.requests * 1000) / Math.max(s.intervalMs, 1), 0);
  const requests = samples.reduce((a, s) => a + s.requests, 0);
  const r3 = (x: number) => Math.round(x * 1000) / 1000;
  switch (metric) {
    case 'inflight_per_server': {
      const total = samples.reduce((a, s) => a + s.inFlight, 0);
      return { value: samples.length ? total / per : null, reporting, totalRps: rps, detail: `${total} in flight over ${reporting} server(s)` };
    }
    case 'rps_per_server':
      return { value: samples.length ? rps / per : null, reporting, totalRps: rps, detail: `${r3(rps)} req/s over ${reporting} server(s)` };
    case 'p95_latency_ms': {
      const withTraffic = samples.filter((s) => s.requests > 0);
      if (!withTraffic.length) return { value: samples.length ? 0 : null, reporting, totalRps: rps, detail: 'no requests' };
      const merged = mergedLatency(withTraffic);
      if (merged) return { value: merged.percentile(95) / 1000, reporting, totalRps: rps, detail: `p95 of ${merged.count} request(s) in the merged latency histograms of ${withTraffic.length} sample(s)` };
      const w = withTraffic.reduce((a, s) => a + s.requests, 0);
      const v = withTraffic.reduce((a, s) => a + p95Us(s) * s.requests, 0) / w / 1000;
      return { value: v, reporting, totalRps: rps, detail: `request-weighted p95 (interpolated from p90/p99) over ${withTraffic.length} sample(s)` };
    }
    case 'error_rate': {
      const errors = samples.reduce((a, s) => a + s.errors + s.responses5xx, 0);
      return { value: samples.length ? (requests ? errors / requests : 0) : null, reporting, totalRps: rps, detail: `${errors} errors and 5xx of ${requests} requests` };
    }
    case 'cpu':
    case 'load': {
      const vals = samples.map((s) => (metric === 'cpu' ? s.cpu : s.load)).filter((v): v is number => v !== null);
      return { value: vals.length ? vals.reduce((a, v) => a + v, 0) / vals.length : null, reporting, totalRps: rps, detail: `mean of ${vals.length} self-reported value(s)` };
    }
  }
}

/**
 * The samples' latency histograms merged (bucket counts add up, so the percentile is that of all
 * their requests together); null when any sample lacks one or none recorded a latency.
 */
export function mergedLatency(samples: SampleRow[]): Histogram | null {
  if (!samples.length || samples.some((s) => !s.latency)) return null;
  const h = new Histogram();
  for (const s of samples) h.merge(s.latency!);
  return h.count > 0 ? h : null;
}

/** The newest sample of each (agent, server). */
export function latestPerAgentServer(samples: SampleRow[]): SampleRow[] {
  const newest = new Map<string, SampleRow>();
  for (const s of samples) {
    const k = `${s.agentId}/${s.serverId}`;
    const cur = newest.get(k);
    if (!cur || s.at > cur.at) newest.set(k, s);
  }
  return [...newest.values()];
}

/** Per-interval series: samples grouped into `bucketMs` buckets by the end of their interval. */
export function seriesOf(metric: Metric, samples: SampleRow[], bucketMs: number): MetricPoint[] {
  const buckets = new Map<number, SampleRow[]>();
  for (const s of samples) {
    const b = Math.ceil(s.at / bucketMs) * bucketMs;
    let list = buckets.get(b);
    if (!list) buckets.set(b, (list = []));
    list.push(s);
  }
  return [...buckets.entries()]
    .sort((a, b) => a[0] - b[0])
    .flatMap(([t, list]) => {
      const v = metricOf(metric, latestPerAgentServer(list)).value;
      return v === null ? [] : [{ t, v: Math.round(v * 1000) / 1000 }];
    });
}
