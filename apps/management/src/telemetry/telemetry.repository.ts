import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { AppConfig } from '../../../../libs/common/src/config';
import { DomainError } from '../../../../libs/common/src/problem';
import { bucketBounds, Histogram, HistogramData, parseBuckets } from '../../../../libs/codec/src/histogram';
import type { ReportDto, TrafficSampleDto } from '../../../../libs/protocol/src/report';
import { copyRows } from './pg-copy';
import { PrometheusMetrics } from './prometheus';
import { AGENT_SELF } from './telemetry.entities';

/** A sample or a roll-up row in one shape, so the metrics query aggregates both the same way. */
export interface AggregateRow {
  time: number;
  agentId: string;
  serverId: string;
  serviceId: string | null;
  samples: number;
  requests: number;
  responses1xx: number;
  responses2xx: number;
  responses3xx: number;
  responses4xx: number;
  responses5xx: number;
  errors: number;
  inFlightSum: number;
  inFlightMax: number;
  openConnectionsSum: number;
  openConnectionsMax: number;
  bytesIn: number;
  bytesOut: number;
  latency: Histogram;
  healthySamples: number;
  drainingSamples: number;
  loadSamples: number;
  loadSum: number;
  loadMax: number | null;
  cpuPercentSum: number;
  cpuPercentMax: number | null;
  memoryRssMaxBytes: number | null;
  eventLoopDelayP99MaxMs: number | null;
}

/** Roll-ups are complete for the minutes before rolledUpTo, except minutes of reports received since lastRunAt (ms). */
export interface RollupProgress {
  rolledUpTo: number;
  lastRunAt: number;
}

/**
 * Late reports and retention. With raw retention R: the roll-up job recomputes a late report's
 * minute from raw samples only while the report is younger than 23/24 R (raw samples are then
 * complete: retention deletes at R); a report older than 11/12 R when it arrives is also merged
 * into its roll-up at ingest, additively. A report old enough to be merged is too old to be
 * recomputed unless it arrives in the moment the job recomputes a minute of a younger one, and
 * then the job recomputes it as well; so every accepted report lands in its roll-up exactly once.
 */
export const RECOMPUTE_AGE = 23 / 24;
export const MERGE_AGE = 11 / 12;
/**
 * A roll-up run counts as seeing every report received before the oldest transaction open when
 * it starts (a report in flight then is late for the next run), but never looks back further
 * than this: ingest transactions are bounded by their statement timeouts.
 */
const HORIZON_MAX_LOOKBACK = "interval '2 minutes'";

/** PostgreSQL error classes that say the data was at fault (22 data exception, 23 integrity), not the database. */
const DATA_ERROR = /^2[23]/;

/** What one ingest call stored. */
export interface StoreResult {
  accepted: ReportDto[];
  duplicates: number;
  samples: number;
}

interface SampleRow {
  agentId: string;
  seq: number;
  serverId: string;
  serviceId: string | null;
  at: string;
  intervalMs: number;
  traffic: TrafficSampleDto;
  latency: Histogram;
  /** p50, p90, p99 of `latency` in µs, computed once. */
  percentiles: number[];
  healthy: boolean | null;
  draining: boolean | null;
  load: number | null;
  loadValues: Record<string, number> | null;
  cpuPercent: number | null;
  hostCpuPercent: number | null;
  memoryRssBytes: number | null;
  eventLoopDelayP99Ms: number | null;
}

const LOAD_NAMES = ['load', 'utilization', 'utilisation'];
/** The percentiles each sample row stores (latency_p50_us, _p90_us, _p99_us). */
const PERCENTILES = [50, 90, 99];

function errorTotal(t: TrafficSampleDto): number {
  let n = 0;
  for (const e of t.errors) n += e.count;
  return n;
}

/** A zero aggregate for (agent, server) at `time`, to accumulate into. */
export function emptyAggregate(row: { agentId: string; serverId: string; serviceId: string | null }, time: number): AggregateRow {
  return {
    time, agentId: row.agentId, serverId: row.serverId, serviceId: row.serviceId, samples: 0, requests: 0, responses1xx: 0, responses2xx: 0,
    responses3xx: 0, responses4xx: 0, responses5xx: 0, errors: 0, inFlightSum: 0, inFlightMax: 0, openConnectionsSum: 0, openConnectionsMax: 0,
    bytesIn: 0, bytesOut: 0, latency: new Histogram(), healthySamples: 0, drainingSamples: 0, loadSamples: 0, loadSum: 0, loadMax: null,
    cpuPercentSum: 0, cpuPercentMax: null, memoryRssMaxBytes: null, eventLoopDelayP99MaxMs: null,
  };
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const maxOrNull = (a: number | null, b: number | null) => (a === null ? b : b === null ? a : Math.max(a, b));

/** Adds one raw sample (or another aggregate) into an aggregate: sums, maxima, merged histogram. */
export function accumulate(into: AggregateRow, r: AggregateRow): void {
  into.samples += r.samples;
  into.requests += r.requests;
  into.responses1xx += r.responses1xx;
  into.responses2xx += r.responses2xx;
  into.responses3xx += r.responses3xx;
  into.responses4xx += r.responses4xx;
  into.responses5xx += r.responses5xx;
  into.errors += r.errors;
  into.inFlightSum += r.inFlightSum;
  into.inFlightMax = Math.max(into.inFlightMax, r.inFlightMax);
  into.openConnectionsSum += r.openConnectionsSum;
  into.openConnectionsMax = Math.max(into.openConnectionsMax, r.openConnectionsMax);
  into.bytesIn += r.bytesIn;
  into.bytesOut += r.bytesOut;
  into.latency.merge(r.latency);
  into.healthySamples += r.healthySamples;
  into.drainingSamples += r.drainingSamples;
  into.loadSamples += r.loadSamples;
  into.loadSum += r.loadSum;
  into.loadMax = maxOrNull(into.loadMax, r.loadMax);
  into.cpuPercentSum += r.cpuPercentSum;
  into.cpuPercentMax = maxOrNull(into.cpuPercentMax, r.cpuPercentMax);
  into.memoryRssMaxBytes = maxOrNull(into.memoryRssMaxBytes, r.memoryRssMaxBytes);
  into.eventLoopDelayP99MaxMs = maxOrNull(into.eventLoopDelayP99MaxMs, r.eventLoopDelayP99MaxMs);
}

function sampleAsAggregate(s: SampleRow, time: number): AggregateRow {
  const t = s.traffic;
  return {
    time, agentId: s.agentId, serverId: s.serverId, serviceId: s.serviceId, samples: 1, requests: t.requests,
    responses1xx: t.responses1xx, responses2xx: t.responses2xx, responses3xx: t.responses3xx, responses4xx: t.responses4xx, responses5xx: t.responses5xx,
    errors: errorTotal(t), inFlightSum: t.inFlight, inFlightMax: t.inFlight, openConnectionsSum: t.openConnections, openConnectionsMax: t.openConnections,
    bytesIn: t.bytesIn, bytesOut: t.bytesOut, latency: s.latency, healthySamples: s.healthy ? 1 : 0, drainingSamples: s.draining ? 1 : 0,
    loadSamples: s.load === null ? 0 : 1, loadSum: s.load ?? 0, loadMax: s.load, cpuPercentSum: s.cpuPercent ?? 0, cpuPercentMax: s.cpuPercent,
    memoryRssMaxBytes: s.memoryRssBytes, eventLoopDelayP99MaxMs: s.eventLoopDelayP99Ms,
  };
}

const parsedLatency = new WeakMap<HistogramData, Histogram>();

/**
 * The histogram a report's latency element carries, parsed once per request: validation parses
 * it to refuse a bad one (throws: a bucket out of range, counts that do not add up to count),
 * the store reuses it.
 */
export function latencyHistogram(d: HistogramData): Histogram {
  let h = parsedLatency.get(d);
  if (!h) {
    // Parsed whatever count says: the raw bucket text is what the sample row stores.
    const counts = parseBuckets(d.buckets);
    let total = 0;
    for (const n of counts.values()) total += n;
    if (total !== d.count) throw new Error(`bucket counts add up to ${total}, not count ${d.count}`);
    // min and max lie in the lowest and highest bucket with a count (as recording gives them):
    // a histogram that left them out (0) would clamp every percentile to nothing.
    if (d.count > 0) {
      let lowest = Infinity;
      let highest = -1;
      for (const [i, n] of counts) {
        if (n <= 0) continue;
        if (i < lowest) lowest = i;
        if (i > highest) highest = i;
      }
      if (d.min > d.max || d.min > bucketBounds(lowest)[1] || d.max < bucketBounds(highest)[0]) {
        throw new Error(`min ${d.min} and max ${d.max} do not fit the buckets (${bucketBounds(lowest)[0]}…${bucketBounds(highest)[1]})`);
      }
    }
    // What Histogram.fromData gives (empty when count is 0), without parsing the buckets again.
    parsedLatency.set(d, (h = d.count === 0 ? new Histogram() : Histogram.fromParsed(counts, d)));
  }
  return h;
}

function sampleLatency(d: HistogramData): { latency: Histogram; percentiles: number[] } {
  const latency = latencyHistogram(d);
  return { latency, percentiles: latency.percentiles(PERCENTILES) };
}

function samplesOf(agentId: string, r: ReportDto): SampleRow[] {
  const intervalMs = Math.max(0, Date.parse(r.intervalEnd) - Date.parse(r.intervalStart));
  const out: SampleRow[] = [{
    agentId, seq: r.seq, serverId: AGENT_SELF, serviceId: null, at: r.intervalEnd, intervalMs, traffic: r.agent, ...sampleLatency(r.agent.latency),
    healthy: null, draining: null, load: null, loadValues: null, cpuPercent: r.host.cpuPercent, hostCpuPercent: r.host.hostCpuPercent,
    memoryRssBytes: r.host.memoryRssBytes, eventLoopDelayP99Ms: r.host.eventLoopDelayP99Ms,
  }];
  for (const b of r.backends) {
    let load: number | null = null;
    let loadValues: Record<string, number> | null = null;
    if (b.load && b.load.values.length) {
      loadValues = {};
      for (const v of b.load.values) loadValues[v.name] = v.value;
      const named = b.load.values.find((v) => LOAD_NAMES.includes(v.name.toLowerCase()));
      load = named ? named.value : null;
    }
    out.push({
      agentId, seq: r.seq, serverId: b.serverId, serviceId: b.serviceId, at: r.intervalEnd, intervalMs, traffic: b, ...sampleLatency(b.latency),
      healthy: b.healthy, draining: b.draining, load, loadValues, cpuPercent: null, hostCpuPercent: null, memoryRssBytes: null, eventLoopDelayP99Ms: null,
    });
  }
  return out;
}

const SAMPLE_COLUMNS: Array<[string, string, (s: SampleRow) => unknown]> = [
  ['agent_id', 'uuid', (s) => s.agentId],
  ['seq', 'bigint', (s) => s.seq],
  ['server_id', 'uuid', (s) => s.serverId],
  ['service_id', 'uuid', (s) => s.serviceId],
  ['at', 'timestamptz', (s) => s.at],
  ['interval_ms', 'int', (s) => s.intervalMs],
  ['requests', 'bigint', (s) => s.traffic.requests],
  ['responses1xx', 'bigint', (s) => s.traffic.responses1xx],
  ['responses2xx', 'bigint', (s) => s.traffic.responses2xx],
  ['responses3xx', 'bigint', (s) => s.traffic.responses3xx],
  ['responses4xx', 'bigint', (s) => s.traffic.responses4xx],
  ['responses5xx', 'bigint', (s) => s.traffic.responses5xx],
  ['errors', 'bigint', (s) => errorTotal(s.traffic)],
  ['errors_by_cause', 'jsonb', (s) => (s.traffic.errors.length ? JSON.stringify(Object.fromEntries(s.traffic.errors.map((e) => [e.cause, e.count]))) : null)],
  ['in_flight', 'bigint', (s) => s.traffic.inFlight],
  ['open_connections', 'bigint', (s) => s.traffic.openConnections],
  ['bytes_in', 'bigint', (s) => s.traffic.bytesIn],
  ['bytes_out', 'bigint', (s) => s.traffic.bytesOut],
  ['latency_count', 'bigint', (s) => s.latency.count],
  ['latency_sum_us', 'bigint', (s) => s.latency.sum],
  ['latency_min_us', 'bigint', (s) => s.latency.min],
  ['latency_max_us', 'bigint', (s) => s.latency.max],
  ['latency_p50_us', 'int', (s) => Math.min(2147483647, s.percentiles[0])],
  ['latency_p90_us', 'int', (s) => Math.min(2147483647, s.percentiles[1])],
  ['latency_p99_us', 'int', (s) => Math.min(2147483647, s.percentiles[2])],
  ['latency_buckets', 'text', (s) => s.traffic.latency.buckets],
  ['healthy', 'boolean', (s) => s.healthy],
  ['draining', 'boolean', (s) => s.draining],
  ['load', 'float8', (s) => s.load],
  ['load_values', 'jsonb', (s) => (s.loadValues ? JSON.stringify(s.loadValues) : null)],
  ['cpu_percent', 'float8', (s) => s.cpuPercent],
  ['host_cpu_percent', 'float8', (s) => s.hostCpuPercent],
  ['memory_rss_bytes', 'bigint', (s) => s.memoryRssBytes],
  ['event_loop_delay_p99_ms', 'float8', (s) => s.eventLoopDelayP99Ms],
];

const ROLLUP_COLUMNS: Array<[string, string, (r: AggregateRow) => unknown]> = [
  ['minute', 'timestamptz', (r) => new Date(r.time).toISOString()],
  ['agent_id', 'uuid', (r) => r.agentId],
  ['server_id', 'uuid', (r) => r.serverId],
  ['service_id', 'uuid', (r) => r.serviceId],
  ['samples', 'int', (r) => r.samples],
  ['requests', 'bigint', (r) => r.requests],
  ['responses1xx', 'bigint', (r) => r.responses1xx],
  ['responses2xx', 'bigint', (r) => r.responses2xx],
  ['responses3xx', 'bigint', (r) => r.responses3xx],
  ['responses4xx', 'bigint', (r) => r.responses4xx],
  ['responses5xx', 'bigint', (r) => r.responses5xx],
  ['errors', 'bigint', (r) => r.errors],
  ['in_flight_sum', 'bigint', (r) => r.inFlightSum],
  ['in_flight_max', 'bigint', (r) => r.inFlightMax],
  ['open_connections_sum', 'bigint', (r) => r.openConnectionsSum],
  ['open_connections_max', 'bigint', (r) => r.openConnectionsMax],
  ['bytes_in', 'bigint', (r) => r.bytesIn],
  ['bytes_out', 'bigint', (r) => r.bytesOut],
  ['latency_count', 'bigint', (r) => r.latency.count],
  ['latency_sum_us', 'bigint', (r) => r.latency.sum],
  ['latency_min_us', 'bigint', (r) => r.latency.min],
  ['latency_max_us', 'bigint', (r) => r.latency.max],
  ['latency_buckets', 'jsonb', (r) => JSON.stringify(r.latency.countsRecord())],
  ['healthy_samples', 'int', (r) => r.healthySamples],
  ['draining_samples', 'int', (r) => r.drainingSamples],
  ['load_samples', 'int', (r) => r.loadSamples],
  ['load_sum', 'float8', (r) => r.loadSum],
  ['load_max', 'float8', (r) => r.loadMax],
  ['cpu_percent_sum', 'float8', (r) => r.cpuPercentSum],
  ['cpu_percent_max', 'float8', (r) => r.cpuPercentMax],
  ['memory_rss_max_bytes', 'bigint', (r) => r.memoryRssMaxBytes],
  ['event_loop_delay_p99_max_ms', 'float8', (r) => r.eventLoopDelayP99MaxMs],
];

// Sums add, maxima take the greater, the histogram merges; min ignores an empty side.
const ROLLUP_MERGE = ROLLUP_COLUMNS.slice(4).map(([c]) => {
  if (c.endsWith('_max') || c === 'latency_max_us' || c === 'memory_rss_max_bytes' || c === 'event_loop_delay_p99_max_ms') return `${c} = GREATEST(r.${c}, EXCLUDED.${c})`;
  if (c === 'latency_min_us') return `${c} = CASE WHEN r.latency_count = 0 THEN EXCLUDED.${c} WHEN EXCLUDED.latency_count = 0 THEN r.${c} ELSE LEAST(r.${c}, EXCLUDED.${c}) END`;
  if (c === 'latency_buckets') return `${c} = hr_hist_merge(r.${c}, EXCLUDED.${c})`;
  return `${c} = r.${c} + EXCLUDED.${c}`;
});

/**
 * One minute's roll-up rows from its raw samples, aggregated in PostgreSQL: sums, maxima, and
 * the latency histograms merged bucket by bucket (raw buckets are "index:count" text). The same
 * arithmetic as accumulate(); the telemetry e2e tests check the rows it writes.
 */
const ROLLUP_FROM_RAW = `
  WITH s AS (SELECT * FROM telemetry_sample WHERE at >= $1::timestamptz AND at < $1::timestamptz + interval '1 minute'),
  b AS (
    SELECT agent_id, server_id, split_part(kv, ':', 1) AS k, sum(split_part(kv, ':', 2)::bigint) AS n
      FROM s, unnest(string_to_array(nullif(latency_buckets, ''), ',')) AS kv
     GROUP BY 1, 2, 3),
  h AS (SELECT agent_id, server_id, jsonb_object_agg(k, n) AS buckets FROM b GROUP BY 1, 2),
  ins AS (INSERT INTO telemetry_rollup (${ROLLUP_COLUMNS.map(([c]) => `"${c}"`).join(', ')})
  SELECT $1::timestamptz, s.agent_id, s.server_id, (array_agg(s.service_id ORDER BY s.at))[1], count(*),
         sum(requests), sum(responses1xx), sum(responses2xx), sum(responses3xx), sum(responses4xx), sum(responses5xx), sum(errors),
         sum(in_flight), max(in_flight), sum(open_connections), max(open_connections), sum(bytes_in), sum(bytes_out),
         sum(latency_count), sum(latency_sum_us),
         coalesce(min(latency_min_us) FILTER (WHERE latency_count > 0), 0), coalesce(max(latency_max_us) FILTER (WHERE latency_count > 0), 0),
         coalesce(h.buckets, '{}'::jsonb),
         count(*) FILTER (WHERE healthy), count(*) FILTER (WHERE draining), count(load), coalesce(sum(load), 0), max(load),
         coalesce(sum(cpu_percent), 0), max(cpu_percent), max(memory_rss_bytes), max(event_loop_delay_p99_ms)
    FROM s LEFT JOIN h ON h.agent_id = s.agent_id AND h.server_id = s.server_id
   GROUP BY s.agent_id, s.server_id, h.buckets
  RETURNING 1)
  SELECT count(*) AS rows FROM ins`;

/**
 * Bulk insert through unnest(): one statement and one parameter per column whatever the row
 * count, so a batch of reports costs a handful of round trips (no 65,535-parameter limit).
 */
function unnestInsert<T>(table: string, columns: Array<[string, string, (r: T) => unknown]>, rows: T[]): [string, unknown[][]] {
  const params = columns.map(([, , get]) => rows.map(get));
  const sql = `INSERT INTO ${table} AS r (${columns.map(([c]) => `"${c}"`).join(', ')}) SELECT * FROM unnest(${columns.map(([, t], i) => `$${i + 1}::${t}[]`).join(', ')})`;
  return [sql, params];
}

/** Reports waiting for a write, in batches of TELEMETRY_INGEST_MAX_BATCH, before new ones are turned away. */
const PENDING_BATCHES = 20;

/** The write queue is full: the agent keeps its reports and sends them again later. */
export class IngestBusyError extends DomainError {
  constructor() {
    super(503, 'ingest-busy', 'Telemetry ingest is busy', 'too many reports are waiting to be stored; send them again later', {}, { 'Retry-After': '1' });
  }
}

/** One caller's reports waiting for the next group commit. */
interface PendingWrite {
  agentId: string;
  reports: ReportDto[];
  resolve: (r: StoreResult) => void;
  reject: (err: unknown) => void;
}

/** The telemetry tables' SQL, in one place. */
@Injectable()
export class TelemetryRepository {
  private readonly pending: PendingWrite[] = [];
  private pendingReports = 0;
  private writers = 0;

  constructor(
    private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly metrics: PrometheusMetrics,
  ) {}

  /**
   * Stores a batch of one agent's reports. Each (agentId, seq) is stored once: the ledger insert
   * decides which reports are new and only those add samples, roll-ups and backend state, so a
   * replayed report changes nothing.
   *
   * Group commit: while TELEMETRY_INGEST_WRITERS transactions are in flight, new calls queue, and
   * the next free writer stores everything queued (up to TELEMETRY_INGEST_MAX_BATCH reports) in
   * one transaction with one multi-row statement per table. Under load that turns ~5 round trips
   * per report into ~5 per batch; when idle a call is written at once, with no added delay.
   * The promise settles after the commit.
   */
  storeReports(agentId: string, reports: ReportDto[]): Promise<StoreResult> {
    // Back-pressure: past this backlog an agent is told to come back later (it keeps the reports).
    if (this.pendingReports + reports.length > PENDING_BATCHES * this.config.TELEMETRY_INGEST_MAX_BATCH) return Promise.reject(new IngestBusyError());
    this.pendingReports += reports.length;
    return new Promise<StoreResult>((resolve, reject) => {
      // The ledger hands ids back lower-case; so must the key they are matched with.
      this.pending.push({ agentId: agentId.toLowerCase(), reports, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.writers < this.config.TELEMETRY_INGEST_WRITERS && this.pending.length) {
      let take = 0;
      let reports = 0;
      while (take < this.pending.length && (take === 0 || reports + this.pending[take].reports.length <= this.config.TELEMETRY_INGEST_MAX_BATCH)) {
        reports += this.pending[take].reports.length;
        take++;
      }
      const batch = this.pending.splice(0, take);
      this.pendingReports -= reports;
      this.writers++;
      void this.writeBatch(batch).finally(() => {
        this.writers--;
        this.pump();
      });
    }
  }

  private async writeBatch(batch: PendingWrite[]): Promise<void> {
    try {
      const t0 = performance.now();
      const results = await this.storeTogether(batch);
      this.metrics.ingestCommitSeconds.observe((performance.now() - t0) / 1000);
      this.metrics.ingestCommit.observe(batch.reduce((n, w) => n + w.reports.length, 0));
      batch.forEach((w, i) => w.resolve(results[i]));
    } catch (err) {
      // A timeout or a lost connection fails everyone (retrying one by one would only add load).
      if (batch.length === 1 || !DATA_ERROR.test(String((err as { code?: unknown }).code ?? ''))) {
        for (const w of batch) w.reject(err);
        return;
      }
      // One caller's bad data must not fail its neighbours: store each on its own.
      for (const w of batch) {
        try {
          w.resolve((await this.storeTogether([w]))[0]);
        } catch (e) {
          w.reject(e);
        }
      }
    }
  }

  /** One transaction for several callers' reports; the results are in the callers' order. */
  private async storeTogether(batch: PendingWrite[]): Promise<StoreResult[]> {
    return this.dataSource.transaction(async (m) => {
      // The first claim of an (agent, seq) in the batch wins; later ones are duplicates.
      const claims = new Map<string, { write: number; report: ReportDto }>();
      batch.forEach((w, i) => {
        for (const r of w.reports) {
          const key = `${w.agentId}|${r.seq}`;
          if (!claims.has(key)) claims.set(key, { write: i, report: r });
        }
      });
      // Ledger rows in one global order, so concurrent writers and replicas never deadlock.
      const ledger = [...claims.entries()].map(([key, c]) => ({ agentId: batch[c.write].agentId, key, r: c.report }));
      ledger.sort((a, b) => (a.agentId < b.agentId ? -1 : a.agentId > b.agentId ? 1 : a.r.seq - b.r.seq));
      const inserted: Array<{ agent_id: string; seq: string; received_at: Date }> = await m.query(
        `INSERT INTO telemetry_report (agent_id, seq, interval_start, interval_end, backends)
         SELECT * FROM unnest($1::uuid[], $2::bigint[], $3::timestamptz[], $4::timestamptz[], $5::int[])
         ON CONFLICT DO NOTHING RETURNING agent_id, seq, received_at`,
        [ledger.map((l) => l.agentId), ledger.map((l) => l.r.seq), ledger.map((l) => l.r.intervalStart), ledger.map((l) => l.r.intervalEnd), ledger.map((l) => l.r.backends.length)],
      );
      const fresh = new Set(inserted.map((r) => `${r.agent_id}|${Number(r.seq)}`));
      const receivedAt = inserted.length ? inserted[0].received_at.getTime() : Date.now(); // now() of this transaction
      const mergeBefore = receivedAt - MERGE_AGE * this.config.TELEMETRY_RAW_RETENTION_HOURS * 3_600_000;
      const results: StoreResult[] = batch.map(() => ({ accepted: [], duplicates: 0, samples: 0 }));
      const samples: SampleRow[] = [];
      const old: SampleRow[] = [];
      batch.forEach((w, i) => {
        for (const r of w.reports) {
          const key = `${w.agentId}|${r.seq}`;
          if (!fresh.has(key) || claims.get(key)!.report !== r) {
            results[i].duplicates++;
            continue;
          }
          results[i].accepted.push(r);
          const rows = samplesOf(w.agentId, r);
          results[i].samples += rows.length;
          for (const row of rows) samples.push(row);
          if (Date.parse(r.intervalEnd) < mergeBefore) for (const row of rows) old.push(row);
        }
      });
      if (!samples.length) return results;
      await copyRows(m, 'telemetry_sample', SAMPLE_COLUMNS, samples);
      await this.upsertAgentServices(m, samples);
      if (old.length) await this.mergeIntoRollups(m, old);
      return results;
    });
  }

  /** Adds samples too old for the roll-up job to recompute into their roll-ups (see MERGE_AGE). */
  private async mergeIntoRollups(m: EntityManager, samples: SampleRow[]): Promise<void> {
    const byKey = new Map<string, AggregateRow>();
    for (const s of samples) {
      const minute = Math.floor(Date.parse(s.at) / 60_000) * 60_000;
      const key = `${minute}|${s.agentId}|${s.serverId}`;
      let agg = byKey.get(key);
      if (!agg) byKey.set(key, (agg = emptyAggregate(s, minute)));
      accumulate(agg, sampleAsAggregate(s, minute));
    }
    // A fixed order keeps concurrent upserts from deadlocking on each other's rows.
    const rows = [...byKey.values()].sort((a, b) => a.time - b.time || cmp(a.agentId, b.agentId) || cmp(a.serverId, b.serverId));
    const [sql, params] = unnestInsert('telemetry_rollup', ROLLUP_COLUMNS, rows);
    await m.query(`${sql} ON CONFLICT (minute, agent_id, server_id) DO UPDATE SET ${ROLLUP_MERGE.join(', ')}`, params);
  }

  /** Where the roll-up job has got to (see rollUp). */
  async rollupProgress(m: EntityManager = this.dataSource.manager): Promise<RollupProgress> {
    const [row] = await m.query('SELECT rolled_up_to, last_run_at FROM telemetry_rollup_progress WHERE id = 1');
    return { rolledUpTo: (row.rolled_up_to as Date).getTime(), lastRunAt: (row.last_run_at as Date).getTime() };
  }

  /**
   * Minute starts (ms) in [from, min(to, rolledUpTo)) whose roll-ups may miss reports received
   * since the last run (late reports: an agent's outage queue, clock skew) and that the next run
   * recomputes (reports younger than RECOMPUTE_AGE of raw retention; older ones were merged).
   */
  async lateMinutes(p: RollupProgress, from: number, to: number, m: EntityManager = this.dataSource.manager): Promise<number[]> {
    const recomputeMs = Math.floor(RECOMPUTE_AGE * this.config.TELEMETRY_RAW_RETENTION_HOURS * 3_600_000);
    const rows: Array<{ minute: Date }> = await m.query(
      `SELECT DISTINCT date_trunc('minute', interval_end) AS minute FROM telemetry_report
        WHERE received_at >= $1 AND interval_end >= $2 AND interval_end < $3 AND interval_end >= received_at - make_interval(secs => $4)`,
      [new Date(p.lastRunAt).toISOString(), new Date(from).toISOString(), new Date(Math.min(to, p.rolledUpTo)).toISOString(), recomputeMs / 1000],
    );
    return rows.map((r) => r.minute.getTime()).sort((a, b) => a - b);
  }

  /**
   * The roll-up job: computes per-minute roll-ups from raw samples for every closed minute since
   * the last run (at most maxMinutes of them) and recomputes the minutes late reports touched.
   * Each minute is replaced whole, so a run is idempotent and a crash between runs loses
   * nothing (the raw samples are the source). One run at a time across replicas (row lock).
   */
  async rollUp(opts: { graceMs: number; maxMinutes: number }): Promise<{ minutes: number; rows: number; rolledUpTo: Date }> {
    return this.dataSource.transaction(async (m) => {
      // The horizon: a report not visible to this run was received (its transaction began) at or
      // after the oldest transaction open now, which pg_stat_activity shows.
      const [row] = await m.query(
        `SELECT rolled_up_to, last_run_at, now() AS now,
                greatest(now() - ${HORIZON_MAX_LOOKBACK}, least(now(), (SELECT min(xact_start) FROM pg_stat_activity WHERE datname = current_database()))) AS horizon
           FROM telemetry_rollup_progress WHERE id = 1 FOR UPDATE`,
      );
      const now = (row.now as Date).getTime();
      const p: RollupProgress = { rolledUpTo: (row.rolled_up_to as Date).getTime(), lastRunAt: (row.last_run_at as Date).getTime() };
      let target = Math.floor((now - opts.graceMs) / 60_000) * 60_000;
      const minutes = new Set<number>();
      if (target > p.rolledUpTo) {
        // Skip an empty stretch (the API was down, nobody reported) in one step; then minute by minute.
        const [first] = await m.query('SELECT min(at) AS at FROM telemetry_sample WHERE at >= $1 AND at < $2', [new Date(p.rolledUpTo).toISOString(), new Date(target).toISOString()]);
        if (first.at) {
          const start = Math.floor((first.at as Date).getTime() / 60_000) * 60_000;
          target = Math.min(target, start + opts.maxMinutes * 60_000); // the rest next run
          for (let t = start; t < target; t += 60_000) minutes.add(t);
        }
      }
      const recomputeFrom = now - RECOMPUTE_AGE * this.config.TELEMETRY_RAW_RETENTION_HOURS * 3_600_000;
      for (const late of await this.lateMinutes(p, recomputeFrom, p.rolledUpTo, m)) minutes.add(late);
      let written = 0;
      for (const minute of [...minutes].sort((a, b) => a - b)) {
        const at = new Date(minute).toISOString();
        await m.query('DELETE FROM telemetry_rollup WHERE minute = $1', [at]);
        const [{ rows }] = (await m.query(ROLLUP_FROM_RAW, [at])) as Array<{ rows: string }>;
        written += Number(rows);
      }
      const rolledUpTo = Math.max(p.rolledUpTo, target);
      await m.query('UPDATE telemetry_rollup_progress SET rolled_up_to = $1, last_run_at = $2 WHERE id = 1', [new Date(rolledUpTo).toISOString(), (row.horizon as Date).toISOString()]);
      return { minutes: minutes.size, rows: written, rolledUpTo: new Date(rolledUpTo) };
    });
  }

  /**
   * The newest report of each service by each agent (telemetry_agent_service): one row per
   * service a report touched, where a row per backend cost about a third of the database's work
   * per report. A replayed or late report with a lower seq changes nothing.
   */
  private async upsertAgentServices(m: EntityManager, samples: SampleRow[]): Promise<void> {
    // Keyed as PostgreSQL compares uuids (case-insensitively): two spellings of one service in
    // one statement would be "ON CONFLICT DO UPDATE command cannot affect row a second time".
    const latest = new Map<string, { agentId: string; serviceId: string; seq: number; at: string }>();
    for (const s of samples) {
      if (s.serviceId === null) continue; // the agent's own sample
      const serviceId = s.serviceId.toLowerCase();
      const key = `${s.agentId}|${serviceId}`;
      const prev = latest.get(key);
      if (!prev || prev.seq < s.seq) latest.set(key, { agentId: s.agentId, serviceId, seq: s.seq, at: s.at });
    }
    if (!latest.size) return;
    // A fixed order keeps concurrent writers from deadlocking on each other's rows.
    const rows = [...latest.values()].sort((a, b) => cmp(a.agentId, b.agentId) || cmp(a.serviceId, b.serviceId));
    await m.query(
      `INSERT INTO telemetry_agent_service AS t (agent_id, service_id, seq, reported_at)
       SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::bigint[], $4::timestamptz[])
       ON CONFLICT (agent_id, service_id) DO UPDATE SET seq = EXCLUDED.seq, reported_at = EXCLUDED.reported_at WHERE t.seq < EXCLUDED.seq`,
      [rows.map((r) => r.agentId), rows.map((r) => r.serviceId), rows.map((r) => r.seq), rows.map((r) => r.at)],
    );
  }

  /** Reads raw samples (source 'raw') or per-minute roll-ups (source 'rollup') as aggregate rows. */
  async readAggregates(
    source: 'raw' | 'rollup',
    f: { from: Date; to: Date; agentId?: string; serverId?: string; serviceId?: string; scope: 'backends' | 'agent' | 'all'; limit: number; exceptMinutes?: number[] },
    m: EntityManager = this.dataSource.manager,
  ): Promise<AggregateRow[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const timeCol = source === 'raw' ? 'at' : 'minute';
    params.push(f.from.toISOString(), f.to.toISOString());
    where.push(`${timeCol} >= $1`, `${timeCol} < $2`);
    if (f.agentId) where.push(`agent_id = $${params.push(f.agentId)}`);
    if (f.serverId) where.push(`server_id = $${params.push(f.serverId)}`);
    if (f.serviceId) where.push(`service_id = $${params.push(f.serviceId)}`);
    if (f.scope !== 'all') where.push(f.scope === 'agent' ? `server_id = '${AGENT_SELF}'` : `server_id <> '${AGENT_SELF}'`);
    if (f.exceptMinutes?.length) where.push(`date_trunc('minute', ${timeCol}) <> ALL($${params.push(f.exceptMinutes.map((t) => new Date(t).toISOString()))}::timestamptz[])`);
    const table = source === 'raw' ? 'telemetry_sample' : 'telemetry_rollup';
    const rows: Array<Record<string, unknown>> = await m.query(
      `SELECT * FROM ${table} WHERE ${where.join(' AND ')} ORDER BY ${timeCol} LIMIT ${f.limit + 1}`,
      params,
    );
    if (rows.length > f.limit) throw new RangeError('too many rows');
    const n = (v: unknown) => (v === null || v === undefined ? 0 : Number(v));
    const nn = (v: unknown) => (v === null || v === undefined ? null : Number(v));
    return rows.map((r) => {
      const raw = source === 'raw';
      const totals = { count: n(r.latency_count), sum: n(r.latency_sum_us), min: n(r.latency_min_us), max: n(r.latency_max_us) };
      const latency = raw
        ? Histogram.fromParsed(parseBuckets(String(r.latency_buckets)), totals)
        : Histogram.fromCounts(r.latency_buckets as Record<string, number>, totals);
      return {
        time: (r[timeCol] as Date).getTime(), agentId: String(r.agent_id), serverId: String(r.server_id), serviceId: (r.service_id as string | null) ?? null,
        samples: raw ? 1 : n(r.samples), requests: n(r.requests), responses1xx: n(r.responses1xx), responses2xx: n(r.responses2xx), responses3xx: n(r.responses3xx),
        responses4xx: n(r.responses4xx), responses5xx: n(r.responses5xx), errors: n(r.errors),
        inFlightSum: n(raw ? r.in_flight : r.in_flight_sum), inFlightMax: n(raw ? r.in_flight : r.in_flight_max),
        openConnectionsSum: n(raw ? r.open_connections : r.open_connections_sum), openConnectionsMax: n(raw ? r.open_connections : r.open_connections_max),
        bytesIn: n(r.bytes_in), bytesOut: n(r.bytes_out), latency,
        healthySamples: raw ? (r.healthy ? 1 : 0) : n(r.healthy_samples), drainingSamples: raw ? (r.draining ? 1 : 0) : n(r.draining_samples),
        loadSamples: raw ? (r.load === null ? 0 : 1) : n(r.load_samples), loadSum: raw ? n(r.load) : n(r.load_sum), loadMax: nn(raw ? r.load : r.load_max),
        cpuPercentSum: raw ? n(r.cpu_percent) : n(r.cpu_percent_sum), cpuPercentMax: nn(raw ? r.cpu_percent : r.cpu_percent_max),
        memoryRssMaxBytes: nn(raw ? r.memory_rss_bytes : r.memory_rss_max_bytes), eventLoopDelayP99MaxMs: nn(raw ? r.event_loop_delay_p99_ms : r.event_loop_delay_p99_max_ms),
      };
    });
  }

  /** Deletes raw samples and roll-ups (and ledger rows) older than their retention; returns counts. */
  async deleteOlderThan(rawBefore: Date, rollupBefore: Date): Promise<{ samples: number; rollups: number; reports: number }> {
    const del = async (sql: string, p: Date) => {
      const res = (await this.dataSource.query(sql, [p.toISOString()])) as [unknown[], number];
      return res[1] ?? 0;
    };
    return {
      // Raw samples the roll-up job has not reached yet stay, however old.
      samples: await del('DELETE FROM telemetry_sample WHERE at < least($1, (SELECT rolled_up_to FROM telemetry_rollup_progress WHERE id = 1))', rawBefore),
      rollups: await del('DELETE FROM telemetry_rollup WHERE minute < $1', rollupBefore),
      reports: await del('DELETE FROM telemetry_report WHERE interval_end < $1', rollupBefore),
    };
  }

  /**
   * The newest sample of each backend in an agent's last `reports` reports (by seq, so a late
   * report with a higher seq counts as newer), read through the samples' primary key.
   */
  async backendStates(agentId: string, reports: number): Promise<Array<Record<string, unknown>>> {
    return this.dataSource.query(
      `SELECT DISTINCT ON (server_id) agent_id, server_id, service_id, seq, at AS reported_at, healthy, draining, requests, in_flight, open_connections
         FROM telemetry_sample
        WHERE agent_id = $1 AND service_id IS NOT NULL
          AND seq > (SELECT coalesce(max(seq), -1) FROM telemetry_report WHERE agent_id = $1) - $2
        ORDER BY server_id, seq DESC`,
      [agentId, reports],
    );
  }
}
