import { Controller, Get, Header, Inject, Injectable, Optional } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { Scopes } from '../auth/principal';
import { ApiAuth, ApiProblems } from '../common/api-problems';

/** Where a cluster worker gets the whole instance's metrics (common/cluster-metrics.ts); absent in a single process. */
export const INSTANCE_METRICS = Symbol('INSTANCE_METRICS');
export interface InstanceMetricsSource {
  scrape(): Promise<string>;
}

/**
 * The management API's Prometheus registry (one per app instance, so tests can boot several).
 * Other modules inject it and register their own metrics on `registry`.
 */
@Injectable()
export class PrometheusMetrics {
  readonly registry = new Registry();
  readonly reports = new Counter({ name: 'headroom_telemetry_reports_total', help: 'reports received, by outcome', labelNames: ['outcome'], registers: [this.registry] });
  readonly samples = new Counter({ name: 'headroom_telemetry_samples_total', help: 'samples stored', registers: [this.registry] });
  readonly ingestStage = new Histogram({
    name: 'headroom_telemetry_ingest_stage_seconds',
    help: 'time per ingest stage (parse, validate, store) and format',
    labelNames: ['stage', 'format'],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [this.registry],
  });

  readonly ingestCommit = new Histogram({
    name: 'headroom_telemetry_ingest_commit_reports',
    help: 'reports stored per telemetry write transaction (group commit)',
    buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500],
    registers: [this.registry],
  });
  readonly ingestCommitSeconds = new Histogram({
    name: 'headroom_telemetry_ingest_commit_seconds',
    help: 'time per telemetry write transaction, from BEGIN to COMMIT',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    registers: [this.registry],
  });

  readonly rollupRun = new Histogram({
    name: 'headroom_telemetry_rollup_run_seconds',
    help: 'time per roll-up job run',
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  readonly rollupRows = new Counter({ name: 'headroom_telemetry_rollup_rows_total', help: 'roll-up rows written by the roll-up job', registers: [this.registry] });
  /** Where the per-minute roll-ups were complete up to, as of the newest roll-up run this process saw (ms). */
  rolledUpTo: number | null = null;
  readonly rollupLag = new Gauge({
    name: 'headroom_telemetry_rollup_lag_seconds',
    help: 'how far behind now the per-minute roll-ups are complete, as of the newest roll-up run',
    // Measured at scrape time from the newest run this process saw. Across the workers of one
    // instance the smallest: any worker may run the job, and the one that ran it last knows best.
    aggregator: 'min',
    registers: [this.registry],
    collect: () => {
      if (this.rolledUpTo !== null) this.rollupLag.set(Math.max(0, Date.now() - this.rolledUpTo) / 1000);
    },
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }
}

/**
 * GET /metrics in Prometheus text format. Protected like every read (scope `read`): the API
 * listens on all interfaces, so scrape it with a read key (`authorization: Bearer ...` in the
 * scrape config) rather than exposing process details to anyone.
 */
@ApiTags('telemetry')
@ApiAuth()
@Controller('metrics')
export class PrometheusController {
  constructor(
    private readonly metrics: PrometheusMetrics,
    @Optional() @Inject(INSTANCE_METRICS) private readonly instance?: InstanceMetricsSource,
  ) {}

  @Get()
  @Scopes('read')
  @Header('content-type', 'text/plain; version=0.0.4; charset=utf-8')
  @ApiOperation({ operationId: 'getPrometheusMetrics', summary: 'Prometheus metrics of this management API instance (all its worker processes)' })
  @ApiProduces('text/plain')
  @ApiOkResponse({ description: 'Prometheus text exposition format', schema: { type: 'string' } })
  @ApiProblems(503)
  scrape(): Promise<string> {
    // With MANAGEMENT_WORKERS > 1 the primary aggregates every worker's registry (counters summed).
    return this.instance ? this.instance.scrape() : this.metrics.registry.metrics();
  }
}
