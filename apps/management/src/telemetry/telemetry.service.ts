import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { Queue } from 'bullmq';
import { AppConfig } from '../../../../libs/common/src/config';
import { DomainError } from '../../../../libs/common/src/problem';
import { JobName, QueueName } from '../../../../libs/common/src/queues';
import { CodecError } from '../../../../libs/codec/src/errors';
import type { HistogramData } from '../../../../libs/codec/src/histogram';
import { ReportAckDto, ReportDto } from '../../../../libs/protocol/src/report';
import { decodeReportBatchXml, validateReportBatch } from '../../../../libs/protocol/src/report-codec';
import { PrometheusMetrics } from './prometheus';
import { BackendStateDto, MetricName, MetricsQueryDto, MetricsResponseDto, MetricSeriesDto } from './telemetry.dto';
import { accumulate, AggregateRow, emptyAggregate, latencyHistogram, TelemetryRepository } from './telemetry.repository';

/** Analysis jobs for one service coalesce within this window (deterministic jobId). */
export const ANALYSIS_WINDOW_MS = 5000;
const MAX_QUERY_ROWS = 200_000;
/** A minute is rolled up once it ended this long ago (reports in flight for it have landed). */
const ROLLUP_GRACE_MS = 5000;
const ROLLUP_MAX_MINUTES = 60;
const MAX_POINTS = 5000;

export type ReportFormat = 'xml' | 'json';

export class UnsupportedMediaTypeError extends DomainError {
  constructor(type: string) {
    super(415, 'unsupported-media-type', 'Unsupported media type', `reports are accepted as application/xml or application/json, not ${type.slice(0, 100) || 'nothing'}`);
  }
}

/** Data of an analysis job; the analyser re-reads everything else from Postgres. */
export interface AnalyseServiceJob {
  serviceId: string;
  window: number;
  agentId: string;
  requestId: string | null;
}

function metricValue(metric: MetricName, a: AggregateRow, stepSeconds: number): number | null {
  const ratio = (x: number, y: number) => (y > 0 ? x / y : null);
  switch (metric) {
    case 'requests': return a.requests;
    case 'request_rate': return a.requests / stepSeconds;
    case 'responses_1xx': return a.responses1xx;
    case 'responses_2xx': return a.responses2xx;
    case 'responses_3xx': return a.responses3xx;
    case 'responses_4xx': return a.responses4xx;
    case 'responses_5xx': return a.responses5xx;
    case 'errors': return a.errors;
    case 'error_ratio': return ratio(a.errors, a.requests);
    case 'bytes_in': return a.bytesIn;
    case 'bytes_out': return a.bytesOut;
    case 'in_flight_avg': return ratio(a.inFlightSum, a.samples);
    case 'in_flight_max': return a.inFlightMax;
    case 'open_connections_avg': return ratio(a.openConnectionsSum, a.samples);
    case 'open_connections_max': return a.openConnectionsMax;
    case 'latency_count': return a.latency.count;
    case 'latency_mean_ms': return a.latency.count ? a.latency.sum / a.latency.count / 1000 : null;
    case 'latency_max_ms': return a.latency.count ? a.latency.max / 1000 : null;
    case 'latency_p50_ms': return a.latency.count ? a.latency.percentile(50) / 1000 : null;
    case 'latency_p90_ms': return a.latency.count ? a.latency.percentile(90) / 1000 : null;
    case 'latency_p99_ms': return a.latency.count ? a.latency.percentile(99) / 1000 : null;
    case 'healthy_ratio': return ratio(a.healthySamples, a.samples);
    case 'draining_ratio': return ratio(a.drainingSamples, a.samples);
    case 'load_avg': return ratio(a.loadSum, a.loadSamples);
    case 'load_max': return a.loadMax;
    case 'cpu_percent_avg': return a.cpuPercentMax === null ? null : ratio(a.cpuPercentSum, a.samples);
    case 'cpu_percent_max': return a.cpuPercentMax;
    case 'memory_rss_max_bytes': return a.memoryRssMaxBytes;
    case 'event_loop_delay_p99_max_ms': return a.eventLoopDelayP99MaxMs;
  }
}

/** The longest interval one report may cover (interval_ms is an int column; rates need a real interval). */
const MAX_REPORT_INTERVAL_MS = 86_400_000;

/**
 * What the DTO's shape cannot say but the store needs: the URL's agent, a sane interval,
 * histograms in range, each backend once.
 */
function storableProblem(r: ReportDto, agentId: string): { field: string; message: string; detail: string } | null {
  const problem = (field: string, message: string, detail = `report seq ${r.seq}: ${message}`) => ({ field, message, detail });
  if (r.agentId.toLowerCase() !== agentId.toLowerCase()) return problem('reports.agentId', 'must be the agent of the URL', `report seq ${r.seq} names agent ${r.agentId}, not ${agentId}`);
  const ms = Date.parse(r.intervalEnd) - Date.parse(r.intervalStart);
  if (!(ms >= 0 && ms <= MAX_REPORT_INTERVAL_MS)) return problem('reports.intervalEnd', `must be after intervalStart and at most ${MAX_REPORT_INTERVAL_MS / 3_600_000} h later`);
  const histograms: Array<[string, HistogramData]> = [['reports.agent.latency.buckets', r.agent.latency], ...r.backends.map((b): [string, HistogramData] => ['reports.backends.latency.buckets', b.latency])];
  for (const [field, data] of histograms) {
    try {
      latencyHistogram(data); // parsed once: the store reuses it
    } catch (err) {
      return problem(field, (err as Error).message);
    }
  }
  const seen = new Set<string>();
  // As PostgreSQL compares uuids: the same server in two spellings is the same server.
  const twice = r.backends.find((b) => seen.size === seen.add(b.serverId.toLowerCase()).size);
  if (twice) return problem('reports.backends.serverId', 'must be unique within a report', `report seq ${r.seq} lists backend ${twice.serverId} twice`);
  return null;
}

/** How many of an agent's newest reports GET /v1/agents/{id}/backend-states looks at. */
export const BACKEND_STATE_REPORTS = 120;

/** Receives, validates, stores and serves agent telemetry. */
@Injectable()
export class TelemetryService implements OnApplicationBootstrap {
  private readonly logger = new Logger(TelemetryService.name);
  /** The analysis window this instance last enqueued per service. */
  private readonly enqueuedWindow = new Map<string, number>();

  constructor(
    private readonly repo: TelemetryRepository,
    private readonly config: AppConfig,
    private readonly metrics: PrometheusMetrics,
    @InjectQueue(QueueName.Analysis) private readonly analysis: Queue,
    @InjectQueue(QueueName.Telemetry) private readonly telemetry: Queue,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.schedule('telemetry-retention', this.config.TELEMETRY_RETENTION_SWEEP_MS, JobName.ApplyTelemetryRetention, 3);
    await this.schedule('telemetry-rollup', this.config.TELEMETRY_ROLLUP_MS, JobName.RollUpTelemetry, 1);
  }

  /** Runs job `name` every `everyMs` on one replica at a time (BullMQ job scheduler); 0 removes the schedule. */
  private async schedule(id: string, everyMs: number, name: JobName, attempts: number): Promise<void> {
    if (everyMs > 0) await this.telemetry.upsertJobScheduler(id, { every: everyMs }, { name, data: {}, opts: { attempts, removeOnComplete: 10, removeOnFail: 50 } });
    else await this.telemetry.removeJobScheduler(id);
  }

  /**
   * Rolls closed minutes of raw samples up into per-minute roll-ups (and recomputes the minutes
   * late reports touched). Idempotent; a long backlog is worked off ROLLUP_MAX_MINUTES per run.
   */
  async rollUp(): Promise<{ minutes: number; rows: number; rolledUpTo: Date }> {
    const t0 = performance.now();
    const done = await this.repo.rollUp({ graceMs: ROLLUP_GRACE_MS, maxMinutes: ROLLUP_MAX_MINUTES });
    this.metrics.rolledUpTo = Math.max(this.metrics.rolledUpTo ?? 0, done.rolledUpTo.getTime());
    this.metrics.rollupRun.observe((performance.now() - t0) / 1000);
    this.metrics.rollupRows.inc(done.rows);
    if (done.minutes) this.logger.log({ ...done, ms: Math.round(performance.now() - t0) }, 'telemetry rolled up');
    return done;
  }

  /**
   * Decodes, validates and stores one agent's report batch. Each (agentId, seq) is stored once;
   * replays are counted as duplicates. Enqueues one analysis job per service the new reports touched.
   */
  async recordReports(agentId: string, format: ReportFormat, body: string, requestId: string | null): Promise<ReportAckDto> {
    let t = process.hrtime.bigint();
    const lap = (stage: string) => {
      const now = process.hrtime.bigint();
      this.metrics.ingestStage.observe({ stage, format }, Number(now - t) / 1e9);
      t = now;
    };
    let plain: unknown;
    try {
      plain = format === 'xml' ? decodeReportBatchXml(body) : JSON.parse(body);
    } catch (err) {
      this.metrics.reports.inc({ outcome: 'rejected' });
      if (err instanceof CodecError) throw new DomainError(err.status, err.status === 413 ? 'payload-too-large' : 'malformed-report', err.status === 413 ? 'Report too large' : 'Malformed report', err.message);
      throw new DomainError(400, 'malformed-report', 'Malformed report', 'request body is not valid JSON');
    }
    lap('parse');
    let result: ReturnType<typeof validateReportBatch>;
    try {
      result = validateReportBatch(plain);
    } catch (err) {
      this.metrics.reports.inc({ outcome: 'rejected' });
      if (err instanceof CodecError) throw new DomainError(err.status, 'malformed-report', 'Malformed report', err.message);
      throw err;
    }
    if (!result.ok) {
      this.metrics.reports.inc({ outcome: 'rejected' });
      throw new DomainError(400, 'bad-request', 'Bad request', `invalid fields: ${result.errors.map((e) => e.field).join(', ')}`, { errors: result.errors });
    }
    for (const r of result.batch.reports) {
      const problem = storableProblem(r, agentId);
      if (problem) {
        this.metrics.reports.inc({ outcome: 'rejected' });
        throw new DomainError(400, 'bad-request', 'Bad request', problem.detail, { errors: [{ field: problem.field, messages: [problem.message] }] });
      }
    }
    lap('validate');
    const stored = await this.repo.storeReports(agentId, result.batch.reports);
    lap('store');
    this.metrics.reports.inc({ outcome: 'accepted' }, stored.accepted.length);
    if (stored.duplicates) this.metrics.reports.inc({ outcome: 'duplicate' }, stored.duplicates);
    this.metrics.samples.inc(stored.samples);
    await this.enqueueAnalysis(agentId, stored.accepted.flatMap((r) => r.backends.map((b) => b.serviceId)), requestId);
    return { accepted: stored.accepted.length, duplicates: stored.duplicates, samples: stored.samples };
  }

  private async enqueueAnalysis(agentId: string, serviceIds: string[], requestId: string | null): Promise<void> {
    const window = Math.floor(Date.now() / ANALYSIS_WINDOW_MS);
    // The job id folds a window's triggers into one job; skipping the ones this instance already
    // added saves a Redis round trip per report under load.
    const services = [...new Set(serviceIds)].filter((id) => this.enqueuedWindow.get(id) !== window);
    if (!services.length) return;
    if (this.enqueuedWindow.size > 10_000) this.enqueuedWindow.clear();
    try {
      await this.analysis.addBulk(
        services.map((serviceId) => ({
          name: JobName.AnalyseService,
          data: { serviceId, window, agentId, requestId } satisfies AnalyseServiceJob,
          opts: { jobId: `analyse-${serviceId}-${window}` },
        })),
      );
      for (const id of services) this.enqueuedWindow.set(id, window);
    } catch (err) {
      // The reports are committed; a lost analysis trigger is recovered by the next report.
      this.logger.warn({ err, agentId, services: services.length, requestId }, 'could not enqueue analysis');
    }
  }

  /** Series for GET /v1/metrics: raw samples below a 60 s step, per-minute roll-ups otherwise. */
  async queryMetrics(q: MetricsQueryDto): Promise<MetricsResponseDto> {
    const to = q.to ? new Date(q.to) : new Date();
    const from = q.from ? new Date(q.from) : new Date(to.getTime() - 3_600_000);
    const step = q.step ?? 60;
    if (from >= to) throw new DomainError(400, 'bad-request', 'Bad request', '`from` must be before `to`', { errors: [{ field: 'from', messages: ['must be before to'] }] });
    if ((to.getTime() - from.getTime()) / (step * 1000) > MAX_POINTS) {
      throw new DomainError(400, 'bad-request', 'Bad request', `more than ${MAX_POINTS} points; widen step or narrow the range`, { errors: [{ field: 'step', messages: ['too small for this range'] }] });
    }
    if (step >= 60 && step % 60 !== 0) {
      throw new DomainError(400, 'bad-request', 'Bad request', 'a step of 60 s or more reads per-minute roll-ups and must be a whole number of minutes', { errors: [{ field: 'step', messages: ['must be below 60 or a multiple of 60'] }] });
    }
    const source = step < 60 ? 'raw' : 'rollup';
    const groupBy = q.groupBy ?? 'server';
    let rows: AggregateRow[];
    try {
      rows = await this.readSeriesRows(source, from, to, { agentId: q.agent, serverId: q.server, serviceId: q.service, scope: q.scope ?? 'backends' });
    } catch (err) {
      if (err instanceof RangeError) throw new DomainError(400, 'bad-request', 'Bad request', 'the query matches too many rows; narrow it or widen step');
      throw err;
    }
    const stepMs = step * 1000;
    const groups = new Map<string, Map<number, AggregateRow>>();
    for (const r of rows) {
      const gkey = groupBy === 'server' ? r.serverId : groupBy === 'agent' ? r.agentId : groupBy === 'service' ? String(r.serviceId) : '';
      const bucket = Math.floor(r.time / stepMs) * stepMs;
      let g = groups.get(gkey);
      if (!g) groups.set(gkey, (g = new Map()));
      let agg = g.get(bucket);
      if (!agg) g.set(bucket, (agg = emptyAggregate(r, bucket)));
      accumulate(agg, r);
    }
    const series: MetricSeriesDto[] = [];
    for (const metric of q.metric) {
      for (const [gkey, buckets] of groups) {
        const points = [...buckets.values()].sort((a, b) => a.time - b.time).flatMap((a) => {
          const v = metricValue(metric, a, step);
          return v === null ? [] : [{ t: new Date(a.time).toISOString(), v }];
        });
        const s: MetricSeriesDto = { metric, points };
        if (groupBy === 'server') s.serverId = gkey;
        if (groupBy === 'agent') s.agentId = gkey;
        if (groupBy === 'service' && gkey !== 'null') s.serviceId = gkey;
        series.push(s);
      }
    }
    return { from: from.toISOString(), to: to.toISOString(), step, source, series };
  }

  /**
   * Rows for a metrics query. Raw samples as they are; for roll-ups, the rolled-up minutes plus,
   * for the minutes the roll-up job has not (re)computed yet, the raw samples aggregated the same
   * way — so a query is exact whether or not the job has run (the real-time aggregation of
   * continuous aggregates in TimescaleDB).
   */
  private async readSeriesRows(source: 'raw' | 'rollup', from: Date, to: Date, f: { agentId?: string; serverId?: string; serviceId?: string; scope: 'backends' | 'agent' }): Promise<AggregateRow[]> {
    if (source === 'raw') return this.repo.readAggregates('raw', { from, to, ...f, limit: MAX_QUERY_ROWS });
    // A roll-up minute belongs to the range when its start does: [ceil(from), to).
    const first = Math.ceil(from.getTime() / 60_000) * 60_000;
    const end = Math.ceil(to.getTime() / 60_000) * 60_000;
    const progress = await this.repo.rollupProgress();
    const late = await this.repo.lateMinutes(progress, first, end);
    const rows: AggregateRow[] = [];
    const add = (more: AggregateRow[]) => {
      if (rows.length + more.length > MAX_QUERY_ROWS) throw new RangeError('too many rows');
      for (const r of more) rows.push(r);
    };
    const minuteOf = (r: AggregateRow) => ({ ...r, time: Math.floor(r.time / 60_000) * 60_000 });
    if (first < progress.rolledUpTo) {
      add(await this.repo.readAggregates('rollup', { from: new Date(first), to: new Date(Math.min(end, progress.rolledUpTo)), ...f, exceptMinutes: late, limit: MAX_QUERY_ROWS }));
    }
    for (const minute of late) add((await this.repo.readAggregates('raw', { from: new Date(minute), to: new Date(minute + 60_000), ...f, limit: MAX_QUERY_ROWS })).map(minuteOf));
    const openFrom = Math.max(first, progress.rolledUpTo);
    if (openFrom < end) add((await this.repo.readAggregates('raw', { from: new Date(openFrom), to: new Date(end), ...f, limit: MAX_QUERY_ROWS })).map(minuteOf));
    return rows;
  }

  /**
   * The newest state agent `agentId` reported for each backend it served within its last
   * BACKEND_STATE_REPORTS reports (10 minutes at the default 5 s interval): healthy, draining,
   * traffic, and the seq/time of that report. A backend the agent no longer reports drops out,
   * and so does everything once the samples are past their retention (TELEMETRY_RAW_RETENTION_HOURS).
   */
  async latestBackendStates(agentId: string): Promise<BackendStateDto[]> {
    const rows = await this.repo.backendStates(agentId, BACKEND_STATE_REPORTS);
    return rows.map((r) => ({
      agentId: String(r.agent_id), serverId: String(r.server_id), serviceId: String(r.service_id), seq: Number(r.seq),
      reportedAt: (r.reported_at as Date).toISOString(), healthy: Boolean(r.healthy), draining: Boolean(r.draining),
      requests: Number(r.requests), inFlight: Number(r.in_flight), openConnections: Number(r.open_connections),
    }));
  }

  /** Deletes telemetry past its retention (raw TELEMETRY_RAW_RETENTION_HOURS, roll-ups TELEMETRY_ROLLUP_RETENTION_DAYS). */
  async applyRetention(now = new Date()): Promise<{ samples: number; rollups: number; reports: number }> {
    const raw = new Date(now.getTime() - this.config.TELEMETRY_RAW_RETENTION_HOURS * 3_600_000);
    const rollup = new Date(now.getTime() - this.config.TELEMETRY_ROLLUP_RETENTION_DAYS * 86_400_000);
    const deleted = await this.repo.deleteOlderThan(raw, rollup);
    this.logger.log(deleted, 'telemetry retention applied');
    return deleted;
  }
}
