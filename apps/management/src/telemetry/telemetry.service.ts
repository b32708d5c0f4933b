import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { Queue } from 'bullmq';
import { AppConfig } from '../../../../libs/common/src/config';
import { DomainError } from '../../../../libs/common/src/problem';
import { JobName, QueueName } from '../../../../libs/common/src/queues';
import { CodecError } from '../../../../libs/codec/src/errors';
import { Histogram } from '../../../../libs/codec/src/histogram';
import { ReportAckDto } from '../../../../libs/protocol/src/report';
import { decodeReportBatchXml, validateReportBatch } from '../../../../libs/protocol/src/report-codec';
import { PrometheusMetrics } from './prometheus';
import { BackendStateDto, MetricName, MetricsQueryDto, MetricsResponseDto, MetricSeriesDto } from './telemetry.dto';
import { accumulate, AggregateRow, TelemetryRepository } from './telemetry.repository';

/** Analysis jobs for one service coalesce within this window (deterministic jobId). */
export const ANALYSIS_WINDOW_MS = 5000;
const MAX_QUERY_ROWS = 200_000;
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

/** Receives, validates, stores and serves agent telemetry. */
@Injectable()
export class TelemetryService implements OnApplicationBootstrap {
  private readonly logger = new Logger(TelemetryService.name);

  constructor(
    private readonly repo: TelemetryRepository,
    private readonly config: AppConfig,
    private readonly metrics: PrometheusMetrics,
    @InjectQueue(QueueName.Analysis) private readonly analysis: Queue,
    @InjectQueue(QueueName.Telemetry) private readonly telemetry: Queue,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (this.config.TELEMETRY_RETENTION_SWEEP_MS > 0) {
      await this.telemetry.upsertJobScheduler(
        'telemetry-retention',
        { every: this.config.TELEMETRY_RETENTION_SWEEP_MS },
        { name: JobName.ApplyTelemetryRetention, data: {}, opts: { attempts: 3, removeOnComplete: 10, removeOnFail: 50 } },
      );
    } else {
      await this.telemetry.removeJobScheduler('telemetry-retention');
    }
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
    const foreign = result.batch.reports.find((r) => r.agentId !== agentId);
    if (foreign) {
      this.metrics.reports.inc({ outcome: 'rejected' });
      throw new DomainError(400, 'bad-request', 'Bad request', `report seq ${foreign.seq} names agent ${foreign.agentId}, not ${agentId}`, {
        errors: [{ field: 'reports.agentId', messages: ['must be the agent of the URL'] }],
      });
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
    const services = [...new Set(serviceIds)];
    if (!services.length) return;
    const window = Math.floor(Date.now() / ANALYSIS_WINDOW_MS);
    try {
      await this.analysis.addBulk(
        services.map((serviceId) => ({
          name: JobName.AnalyseService,
          data: { serviceId, window, agentId, requestId } satisfies AnalyseServiceJob,
          opts: { jobId: `analyse-${serviceId}-${window}` },
        })),
      );
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
    const source = step < 60 ? 'raw' : 'rollup';
    const groupBy = q.groupBy ?? 'server';
    let rows: AggregateRow[];
    try {
      rows = await this.repo.readAggregates(source, { from, to, agentId: q.agent, serverId: q.server, serviceId: q.service, scope: q.scope ?? 'backends', limit: MAX_QUERY_ROWS });
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
      if (!agg) {
        agg = { ...r, time: bucket, latency: new Histogram(), samples: 0, requests: 0, responses1xx: 0, responses2xx: 0, responses3xx: 0, responses4xx: 0, responses5xx: 0, errors: 0,
          inFlightSum: 0, inFlightMax: 0, openConnectionsSum: 0, openConnectionsMax: 0, bytesIn: 0, bytesOut: 0, healthySamples: 0, drainingSamples: 0,
          loadSamples: 0, loadSum: 0, loadMax: null, cpuPercentSum: 0, cpuPercentMax: null, memoryRssMaxBytes: null, eventLoopDelayP99MaxMs: null };
        g.set(bucket, agg);
      }
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
   * The newest state agent `agentId` reported for each backend it serves: healthy, draining,
   * and the seq/time of that report. The updates module verifies a revision with it: a change
   * is live when every new backend shows healthy with reportedAt after the ack.
   */
  async latestBackendStates(agentId: string): Promise<BackendStateDto[]> {
    const rows = await this.repo.backendStates(agentId);
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
