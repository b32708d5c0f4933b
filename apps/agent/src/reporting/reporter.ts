import type { Logger } from 'pino';
import { gzipSync } from 'node:zlib';
import { Histogram } from '../../../../libs/codec/src/histogram';
import type { BackendSampleDto, ReportDto, TrafficSampleDto } from '../../../../libs/protocol/src/report';
import { MAX_REPORTS_PER_BATCH } from '../../../../libs/protocol/src/report';
import { encodeReportBatchXml } from '../../../../libs/protocol/src/report-codec';
import type { ReportAckDto } from '../../../../clients/typescript/src';
import { ApiError, describeFailure, HeadroomClient, problemDetail, withDeadline } from '../management-client';
import type { AgentIdentity } from '../registration/registration';
import { HostStats } from './host-stats';
import { scrapeLoad } from './load-scraper';
import { ReportQueue } from './report-queue';
import { BackendSnapshot, CounterSnapshot, hdrDeltaToHistogram, StatsSource } from './stats-source';

export interface ReporterOptions {
  client: HeadroomClient;
  identity: AgentIdentity;
  stateDir: string;
  source: StatsSource;
  intervalMs: number;
  format: 'xml' | 'json';
  gzip: boolean;
  queueMax: number;
  /** Service id → loadEndpoint path, for services that publish their own load. */
  loadEndpoints?: () => Promise<Map<string, string>>;
  log: Logger;
}

/** Bodies stay well under the management API's 1 MiB default limit. */
const MAX_BATCH_BYTES = 512 * 1024;

function delta(now: CounterSnapshot, before: CounterSnapshot | undefined): TrafficSampleDto {
  const d = (a: number, b: number | undefined) => Math.max(0, a - (b ?? 0));
  const errors = Object.entries(now.errors)
    .map(([cause, n]) => ({ cause, count: d(n, before?.errors[cause]) }))
    .filter((e) => e.count > 0 && /^[a-z][a-z0-9_]{0,31}$/.test(e.cause));
  const latency: Histogram = hdrDeltaToHistogram(now.latencyHdr, before?.latencyHdr, now.latencySumMs - (before?.latencySumMs ?? 0));
  return {
    requests: d(now.requests, before?.requests),
    responses1xx: d(now.responses[0], before?.responses[0]), responses2xx: d(now.responses[1], before?.responses[1]), responses3xx: d(now.responses[2], before?.responses[2]),
    responses4xx: d(now.responses[3], before?.responses[3]), responses5xx: d(now.responses[4], before?.responses[4]),
    inFlight: Math.max(0, now.inFlight), openConnections: Math.max(0, now.openConnections),
    bytesIn: d(now.bytesIn, before?.bytesIn), bytesOut: d(now.bytesOut, before?.bytesOut),
    errors, latency: latency.toData(),
  };
}

/**
 * The reporting module: every interval it measures (deltas of the data plane's counters, host
 * stats, backends' self-reported load), appends the report to the on-disk queue with the next
 * seq, and drains the queue to POST /v1/agents/{id}/reports in order. While the management API
 * is unreachable the queue grows (bounded); once it answers, the backlog goes out oldest first.
 */
export class Reporter {
  private readonly queue: ReportQueue;
  private readonly host = new HostStats();
  private previous?: { agent: CounterSnapshot; backends: Map<string, BackendSnapshot> };
  private lastAt = Date.now();
  private timer?: NodeJS.Timeout;
  private sending = false;
  private backoffMs = 0;
  private retryAt = 0;
  private stopped = false;
  sent = 0;

  constructor(private readonly opts: ReporterOptions) {
    this.queue = new ReportQueue(opts.stateDir, opts.queueMax);
  }

  async start(): Promise<void> {
    await this.queue.open();
    this.baseline();
    const tick = async () => {
      if (this.stopped) return;
      try {
        await this.measure();
        await this.flush();
      } catch (err) {
        this.opts.log.warn({ err: (err as Error).message }, 'reporting tick failed');
      }
      if (!this.stopped) this.timer = setTimeout(() => void tick(), this.opts.intervalMs);
    };
    this.timer = setTimeout(() => void tick(), this.opts.intervalMs);
    this.opts.log.info({ intervalMs: this.opts.intervalMs, format: this.opts.format, queued: this.queue.length }, 'reporting started');
  }

  /** Takes a new interval (from the management API's settings) from the next tick on. */
  setIntervalMs(ms: number): void {
    if (ms !== this.opts.intervalMs) {
      this.opts.log.info({ from: this.opts.intervalMs, to: ms }, 'report interval changed');
      this.opts.intervalMs = ms;
    }
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.host.stop();
  }

  private baseline(): void {
    const snap = this.opts.source.snapshot();
    this.previous = { agent: snap.agent, backends: new Map(snap.backends.map((b) => [`${b.serviceId}/${b.serverId}`, b])) };
    this.lastAt = Date.now();
  }

  /** Takes one interval's measurements and queues them as the next report. */
  async measure(): Promise<ReportDto> {
    const start = this.lastAt;
    const end = Date.now();
    const snap = this.opts.source.snapshot();
    const endpoints = this.opts.loadEndpoints ? await this.opts.loadEndpoints().catch(() => new Map<string, string>()) : new Map<string, string>();
    const backends: BackendSampleDto[] = await Promise.all(
      snap.backends.map(async (b) => {
        const sample: BackendSampleDto = {
          serviceId: b.serviceId, serverId: b.serverId, healthy: b.healthy, draining: b.draining,
          ...delta(b, this.previous?.backends.get(`${b.serviceId}/${b.serverId}`)),
        };
        const path = endpoints.get(b.serviceId);
        if (path && !b.draining) sample.load = await scrapeLoad(`${b.protocol}://${b.host.includes(':') ? `[${b.host}]` : b.host}:${b.port}`, path, Math.min(1000, this.opts.intervalMs / 2));
        return sample;
      }),
    );
    const report: ReportDto = {
      seq: await this.queue.takeSeq(),
      agentId: this.opts.identity.id,
      intervalStart: new Date(start).toISOString(),
      intervalEnd: new Date(end).toISOString(),
      host: this.host.sample(),
      agent: delta(snap.agent, this.previous?.agent),
      backends,
    };
    this.previous = { agent: snap.agent, backends: new Map(snap.backends.map((b) => [`${b.serviceId}/${b.serverId}`, b])) };
    this.lastAt = end;
    await this.queue.push(report);
    return report;
  }

  /** Sends queued reports oldest first until the queue is empty or the API refuses. */
  async flush(): Promise<void> {
    if (this.sending || Date.now() < this.retryAt) return;
    this.sending = true;
    try {
      while (this.queue.length && !this.stopped) {
        const batch = await this.queue.peek(MAX_REPORTS_PER_BATCH, MAX_BATCH_BYTES);
        if (!batch.length) break;
        const outcome = await this.post(batch);
        if (outcome === 'retry') {
          this.backoffMs = Math.min(30_000, Math.max(500, this.backoffMs * 2));
          this.retryAt = Date.now() + this.backoffMs * (0.5 + Math.random() / 2);
          return;
        }
        this.backoffMs = 0;
        await this.queue.remove(batch.map((r) => r.seq));
        if (outcome === 'sent') this.sent += batch.length;
      }
    } finally {
      this.sending = false;
    }
  }

  private async post(batch: ReportDto[]): Promise<'sent' | 'dropped' | 'retry'> {
    const { client, identity, format, gzip } = this.opts;
    const text = format === 'xml' ? encodeReportBatchXml({ reports: batch }) : JSON.stringify({ reports: batch });
    // The generated postAgentReports only sends JSON objects, so the batch goes through the client's
    // request with ready bytes: a Blob passes untouched and gives the Content-Type.
    const body = new Blob([gzip ? gzipSync(text) : text], { type: format === 'xml' ? 'application/xml' : 'application/json' });
    const seqs = [batch[0].seq, batch.at(-1)!.seq];
    try {
      const ack = await withDeadline(client.request.request<ReportAckDto>({
        method: 'POST',
        url: '/v1/agents/{id}/reports',
        path: { id: identity.id },
        headers: gzip ? { 'Content-Encoding': 'gzip' } : {},
        body,
      }), 10_000, 'reports');
      this.opts.log.debug({ seqs, ...ack }, 'reports sent');
      return 'sent';
    } catch (err) {
      if (err instanceof ApiError && (err.status === 400 || err.status === 413 || err.status === 415)) {
        // The API will never accept these; keeping them would block every later report.
        this.opts.log.error({ status: err.status, detail: problemDetail(err), seqs }, 'reports refused; dropped');
        return 'dropped';
      }
      if (err instanceof ApiError) this.opts.log.warn({ status: err.status, queued: this.queue.length }, 'reports not accepted; will retry');
      else this.opts.log.warn({ err: describeFailure(err), queued: this.queue.length }, 'management API unreachable; reports stay queued');
      return 'retry';
    }
  }
}
