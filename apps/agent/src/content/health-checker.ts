/** Active health checks: one timer chain per backend, driven by the service's health check settings. */
import type { HealthCheckConfigDto } from '../../../../libs/protocol/src/config-document';
import type { Backend, HealthState } from './backend';

export interface HealthCheckHooks {
  onChange(backend: Backend, state: HealthState): void;
}

export class HealthChecker {
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private inProgress: AbortController | undefined;

  constructor(private readonly backend: Backend, private readonly hc: HealthCheckConfigDto, private readonly hooks: HealthCheckHooks) {}

  /** Starts checking: at once for a backend never checked, otherwise at a random point of the first interval. */
  start(): void {
    const first = this.backend.lastHealthCheck === null ? 0 : Math.random() * this.hc.intervalMs;
    this.schedule(first);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.inProgress?.abort();
  }

  private schedule(delay: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.runOnce(), delay);
    this.timer.unref();
  }

  /** One check: GET the path through the backend's pool; 2xx and 3xx are healthy. */
  async runOnce(): Promise<void> {
    if (this.stopped || this.backend.draining) return;
    const ac = new AbortController();
    this.inProgress = ac;
    const t = setTimeout(() => ac.abort(), this.hc.timeoutMs);
    let ok = false;
    let detail: string | undefined;
    try {
      const res = await this.backend.pool.request({
        path: this.hc.path,
        method: 'GET',
        headers: { 'user-agent': 'headroom-agent-health-check' },
        headersTimeout: this.hc.timeoutMs,
        bodyTimeout: this.hc.timeoutMs,
        signal: ac.signal,
      });
      await res.body.dump();
      ok = res.statusCode >= 200 && res.statusCode < 400;
      if (!ok) detail = `status ${res.statusCode}`;
    } catch (err) {
      detail = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    } finally {
      clearTimeout(t);
      this.inProgress = undefined;
    }
    if (this.stopped) return;
    const changed = this.backend.recordHealthCheck(ok, this.hc.healthyThreshold, this.hc.unhealthyThreshold, Date.now(), detail);
    if (changed) this.hooks.onChange(this.backend, changed);
    // ±10% jitter so checks of many backends do not line up.
    this.schedule(this.hc.intervalMs * (0.9 + Math.random() * 0.2));
  }
}
