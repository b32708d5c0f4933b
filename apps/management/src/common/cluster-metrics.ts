import { Global, Injectable, Module, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import cluster from 'node:cluster';
import type { Logger } from 'pino';
import { AggregatorRegistry } from 'prom-client';
import { DomainError } from '../../../../libs/common/src/problem';
import { INSTANCE_METRICS, InstanceMetricsSource, PrometheusMetrics } from '../telemetry/prometheus';
import { TelemetryModule } from '../telemetry/telemetry.module';

/*
 * GET /metrics for a multi-process instance (MANAGEMENT_WORKERS > 1). prom-client aggregates
 * the workers' registries only in the primary (AggregatorRegistry.clusterMetrics() asks every
 * worker over the cluster IPC channel), while a scrape reaches whichever worker took the
 * connection; so that worker asks the primary, by request id, and answers with the text.
 */

const REQUEST = 'headroom:instance-metrics-request';
const RESPONSE = 'headroom:instance-metrics-response';
/** clusterMetrics() gives up after 5 s on a worker that does not answer; a little longer here, so its error is the one reported. */
export const ASK_PRIMARY_TIMEOUT_MS = 7000;

interface MetricsRequest {
  type: typeof REQUEST;
  id: number;
}

interface MetricsResponse {
  type: typeof RESPONSE;
  id: number;
  text?: string;
  error?: string;
}

function isMessage<T extends MetricsRequest | MetricsResponse>(m: unknown, type: T['type']): m is T {
  return typeof m === 'object' && m !== null && (m as { type?: unknown }).type === type && typeof (m as { id?: unknown }).id === 'number';
}

/**
 * A worker of a MANAGEMENT_WORKERS > 1 instance (forked by superviseWorkers): not any cluster
 * worker, so a single process under another cluster primary (PM2, say) keeps its own /metrics.
 */
export function isInstanceWorker(config: { MANAGEMENT_WORKERS: number }): boolean {
  return cluster.isWorker && config.MANAGEMENT_WORKERS > 1;
}

/** In the primary: answers each worker's request with the metrics of every worker, aggregated (counters summed). */
export function answerInstanceMetrics(log: Logger): void {
  const aggregator = new AggregatorRegistry();
  cluster.on('message', (worker, message: unknown) => {
    if (!isMessage<MetricsRequest>(message, REQUEST)) return;
    // The asking worker may have exited meanwhile: nobody is waiting for the answer then.
    const reply = (res: MetricsResponse) => {
      if (worker.isConnected()) worker.send(res, undefined, () => undefined);
    };
    void aggregator.clusterMetrics().then(
      (text) => reply({ type: RESPONSE, id: message.id, text }),
      (err: Error) => {
        log.warn({ err: err.message, worker: worker.process.pid }, 'could not collect the workers\' metrics');
        reply({ type: RESPONSE, id: message.id, error: err.message });
      },
    );
  });
}

/** What a worker needs of its IPC channel to the primary (process.send and its 'message' events). */
export interface PrimaryChannel {
  send(message: MetricsRequest, done: (err: Error | null) => void): void;
  on(event: 'message', listener: (message: unknown) => void): void;
  off(event: 'message', listener: (message: unknown) => void): void;
}

/** A worker's side of the exchange: one pending promise per request id, each with its own deadline. */
export class InstanceMetricsClient {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (text: string) => void; reject: (err: Error) => void; timer: NodeJS.Timeout }>();
  private readonly onMessage = (message: unknown) => {
    if (!isMessage<MetricsResponse>(message, RESPONSE)) return;
    const p = this.pending.get(message.id);
    if (!p) return; // timed out already
    this.settle(message.id);
    if (message.error !== undefined || message.text === undefined) p.reject(new Error(message.error ?? 'no metrics in the answer'));
    else p.resolve(message.text);
  };

  constructor(
    private readonly channel: PrimaryChannel,
    private readonly timeoutMs = ASK_PRIMARY_TIMEOUT_MS,
  ) {
    channel.on('message', this.onMessage);
  }

  /** The whole instance's metrics in Prometheus text format, as the primary aggregated them. */
  fetch(): Promise<string> {
    const id = this.nextId++;
    return new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.settle(id);
        reject(new Error(`the primary did not answer within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      this.channel.send({ type: REQUEST, id }, (err) => {
        if (!err || !this.pending.has(id)) return;
        this.settle(id);
        reject(err);
      });
    });
  }

  /** Stops listening; requests still waiting fail. */
  close(): void {
    this.channel.off('message', this.onMessage);
    for (const [id, p] of [...this.pending]) {
      this.settle(id);
      p.reject(new Error('shutting down'));
    }
  }

  private settle(id: number): void {
    clearTimeout(this.pending.get(id)?.timer);
    this.pending.delete(id);
  }
}

/** In a worker: offers this worker's registry to the primary's aggregation, and fetches the instance's metrics from it. */
@Injectable()
export class InstanceMetrics implements OnModuleInit, OnApplicationShutdown, InstanceMetricsSource {
  private client?: InstanceMetricsClient;

  constructor(private readonly metrics: PrometheusMetrics) {}

  onModuleInit(): void {
    // prom-client's listener for the primary's requests is already installed (worker-metrics-early.ts,
    // imported first by main.ts); from now on it answers with this registry.
    AggregatorRegistry.setRegistries([this.metrics.registry]);
    this.client = new InstanceMetricsClient({
      send: (message, done) => process.send!(message, undefined, undefined, done),
      on: (event, listener) => process.on(event, listener),
      off: (event, listener) => process.off(event, listener),
    });
  }

  onApplicationShutdown(): void {
    this.client?.close();
  }

  async scrape(): Promise<string> {
    try {
      return await this.client!.fetch();
    } catch (err) {
      throw new DomainError(503, 'metrics-unavailable', 'Metrics unavailable', `the instance's metrics could not be collected: ${(err as Error).message}`, {}, { 'Retry-After': '5' });
    }
  }
}

/** Imported by the app only in a cluster worker (MANAGEMENT_WORKERS > 1); PrometheusController then answers with the instance's metrics, and a single process serves its own registry. */
@Global()
@Module({
  imports: [TelemetryModule],
  providers: [InstanceMetrics, { provide: INSTANCE_METRICS, useExisting: InstanceMetrics }],
  exports: [INSTANCE_METRICS],
})
export class InstanceMetricsModule {}
