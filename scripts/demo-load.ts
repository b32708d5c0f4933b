import autocannon from 'autocannon';
import { Histogram } from '../libs/codec/src/histogram';

type Instance = ReturnType<typeof autocannon>;

/**
 * Closed-loop load through the agents with autocannon. The offered load moves in layers: raising
 * it adds connections without touching the running ones; lowering it stops whole layers. A request
 * the load generator itself cancels when it stops a layer is counted as cancelled, not as failed.
 */
export class LoadDriver {
  private layers: { connections: number; instances: Instance[]; retired: boolean }[] = [];
  private window = new Histogram();
  private windowCount = 0;
  private windowStart = Date.now();
  total = 0;
  failed = 0;
  cancelled = 0;
  readonly failures = new Map<string, number>();

  constructor(private readonly urls: string[]) {}

  get connections(): number {
    return this.layers.reduce((n, l) => n + l.connections, 0);
  }

  set(connections: number): void {
    while (this.layers.length && this.connections > connections) this.retire(this.layers.pop()!);
    const missing = connections - this.connections;
    if (missing > 0) this.addLayer(missing);
  }

  private addLayer(connections: number): void {
    const layer = { connections, instances: [] as Instance[], retired: false };
    const share = this.urls.map((_, i) => Math.floor(connections / this.urls.length) + (i < connections % this.urls.length ? 1 : 0));
    this.urls.forEach((url, i) => {
      if (!share[i]) return;
      const inst = autocannon({ url, connections: share[i], duration: 3600, timeout: 10 });
      inst.on('response', (_client: unknown, statusCode: number, _bytes: number, responseTime: number) => {
        if (layer.retired) return;
        this.total++;
        this.windowCount++;
        this.window.record(Math.max(1, Math.round(responseTime * 1000)));
        if (statusCode < 200 || statusCode >= 400) this.fail(`HTTP ${statusCode}`);
      });
      inst.on('reqError', (err: Error) => (layer.retired ? this.cancelled++ : this.fail(err.message)));
      layer.instances.push(inst);
    });
    this.layers.push(layer);
  }

  private retire(layer: { instances: Instance[]; retired: boolean }): void {
    layer.retired = true;
    for (const i of layer.instances) i.stop();
  }

  private fail(why: string): void {
    this.failed++;
    this.failures.set(why, (this.failures.get(why) ?? 0) + 1);
  }

  /** Requests per second and p95 latency (ms) since the last call. */
  sample(): { rps: number; p95Ms: number } {
    const now = Date.now();
    const secs = Math.max(0.001, (now - this.windowStart) / 1000);
    const out = { rps: Math.round(this.windowCount / secs), p95Ms: this.windowCount ? this.window.percentile(95) / 1000 : 0 };
    this.window = new Histogram();
    this.windowCount = 0;
    this.windowStart = now;
    return out;
  }

  stopAll(): void {
    while (this.layers.length) this.retire(this.layers.pop()!);
  }
}
