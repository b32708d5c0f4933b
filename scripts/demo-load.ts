import autocannon from 'autocannon';
import { Histogram } from '../libs/codec/src/histogram';

/** Closed-loop load through the agents: N connections each, counting responses, failures and latency. */
export class LoadDriver {
  private instances: ReturnType<typeof autocannon>[] = [];
  private window = new Histogram();
  private windowCount = 0;
  private windowStart = Date.now();
  connections = 0;
  total = 0;
  failed = 0;
  readonly failures = new Map<string, number>();

  constructor(private readonly urls: string[]) {}

  /** Changes the offered load: `connections` spread over the agents. */
  set(connections: number): void {
    this.stopAll();
    this.connections = connections;
    if (connections <= 0) return;
    const per = Math.max(1, Math.round(connections / this.urls.length));
    for (const url of this.urls) {
      const inst = autocannon({ url, connections: per, duration: 3600, timeout: 10 });
      inst.on('response', (_client: unknown, statusCode: number, _bytes: number, responseTime: number) => {
        this.total++;
        this.windowCount++;
        this.window.record(Math.max(1, Math.round(responseTime * 1000)));
        if (statusCode < 200 || statusCode >= 400) this.fail(`HTTP ${statusCode}`);
      });
      inst.on('reqError', (err: Error) => this.fail(err.message));
      inst.on('error', (err: Error) => this.fail(err.message));
      this.instances.push(inst);
    }
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
    for (const i of this.instances) i.stop();
    this.instances = [];
  }
}
