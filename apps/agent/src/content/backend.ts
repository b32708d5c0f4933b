/**
 * One backend as the proxy sees it: its keep-alive pool, health, outlier ejection, drain state
 * and the counters the admin endpoint and the reporting module read.
 */
import type { Socket } from 'node:net';
import { Pool } from 'undici';
import type { AgentSettingsDto, BackendConfigDto } from '../../../../libs/protocol/src/config-document';
import { BalancerTarget, slowStartFactor } from './balancer';
import { LatencyHistogram } from './histogram';

export type HealthState = 'unknown' | 'healthy' | 'unhealthy';

/** Why a proxied request failed; the keys of BackendStats.errors. */
export const ERROR_CAUSES = ['connect_refused', 'connect_timeout', 'headers_timeout', 'body_timeout', 'upstream_reset', 'client_abort', 'drain_timeout', 'other'] as const;
export type ErrorCause = (typeof ERROR_CAUSES)[number];

export const STATUS_CLASSES = ['1xx', '2xx', '3xx', '4xx', '5xx'] as const;
export type StatusClass = (typeof STATUS_CLASSES)[number];

/**
 * Monotonic counters per backend, plus the in-flight gauge. Plain numbers: the hot path only
 * adds; prom-client and the reporting module read them when they need them.
 */
export class BackendStats {
  requests = 0;
  readonly responses: Record<StatusClass, number> = { '1xx': 0, '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 0 };
  readonly errors: Record<ErrorCause, number> = Object.fromEntries(ERROR_CAUSES.map((c) => [c, 0])) as Record<ErrorCause, number>;
  inflight = 0;
  /** Bytes of request bodies sent to the backend. */
  bytesOut = 0;
  /** Bytes of response bodies received from the backend. */
  bytesIn = 0;
  /** Requests re-sent to another backend after failing on this one. */
  retries = 0;
  ejections = 0;
  /** Time to the response's last byte (or to the failure), per attempt. */
  readonly latency = new LatencyHistogram();

  recordStatus(status: number): void {
    const cls = STATUS_CLASSES[Math.floor(status / 100) - 1];
    if (cls) this.responses[cls]++;
  }
}

export interface BackendStatus {
  id: string;
  name: string;
  address: string;
  weight: number;
  maxConnections: number | null;
  health: HealthState;
  ejected: boolean;
  ejectedUntil: string | null;
  ejections: number;
  draining: boolean;
  drained: boolean;
  drainStartedAt: string | null;
  drainedAt: string | null;
  inflight: number;
  openConnections: number;
  lastHealthCheck: { at: string; ok: boolean; detail?: string } | null;
  stats: {
    requests: number;
    responses: Record<StatusClass, number>;
    errors: Record<ErrorCause, number>;
    bytesIn: number;
    bytesOut: number;
    retries: number;
    latencyMs: { p50: number | null; p99: number | null; count: number };
  };
}

/** Settings a backend reads live, replaced whole on every configuration. */
export interface SettingsRef {
  current: AgentSettingsDto;
}

const MAX_EJECTION_MULTIPLIER = 64;

export class Backend implements BalancerTarget {
  swrrCurrent = 0;
  health: HealthState = 'unknown';
  /** Set by the service: route to `unknown` backends only while none is healthy. */
  allowUnknown = true;
  hcSuccesses = 0;
  hcFailures = 0;
  lastHealthCheck: { at: number; ok: boolean; detail?: string } | null = null;
  consecutiveFailures = 0;
  ejectedUntil = 0;
  private ejectionLevel = 0;
  private lastEjectionAt = 0;
  /** When the backend last became routable; the slow-start ramp counts from here. */
  routableSince: number | undefined;
  draining = false;
  drainStartedAt: number | undefined;
  drainedAt: number | undefined;
  private drainTimer: NodeJS.Timeout | undefined;
  private onDrained: (() => void) | undefined;
  readonly stats = new BackendStats();
  readonly pool: Pool;
  readonly origin: string;
  /** Upgraded (WebSocket) tunnels to this backend; closed when a drain times out. */
  readonly tunnels = new Set<Socket>();

  constructor(
    readonly serviceId: string,
    public config: BackendConfigDto,
    private readonly settings: SettingsRef,
    /** When true the backend starts without a ramp (the agent's first configuration). */
    initial: boolean,
    now: number,
  ) {
    const host = config.host.includes(':') && !config.host.startsWith('[') ? `[${config.host}]` : config.host;
    this.origin = `${config.protocol}://${host}:${config.port}`;
    const s = settings.current;
    this.pool = new Pool(this.origin, {
      pipelining: 1,
      keepAliveTimeout: 4000,
      keepAliveMaxTimeout: 60_000,
      headersTimeout: s.responseHeadersTimeoutMs,
      bodyTimeout: s.idleBodyTimeoutMs,
      connect: {
        timeout: s.connectTimeoutMs,
        ...(config.protocol === 'https' ? { servername: config.tls?.servername, rejectUnauthorized: config.tls?.rejectUnauthorized ?? true } : {}),
      },
    });
    // maxConnections is enforced by isAvailable (in-flight ≤ max with pipelining 1 keeps the
    // pool's sockets ≤ max too), so a change of it applies in place without a new pool.
    this.routableSince = initial ? undefined : now;
  }

  /** The identity of the connection: a change of any of these replaces the backend. */
  static addressKey(c: BackendConfigDto): string {
    return `${c.protocol}://${c.host}:${c.port}|${c.tls?.servername ?? ''}|${c.tls?.rejectUnauthorized ?? ''}`;
  }

  get id(): string {
    return this.config.id;
  }

  get weight(): number {
    return this.config.weight;
  }

  get inflight(): number {
    return this.stats.inflight;
  }

  rampFactor(now: number): number {
    return slowStartFactor(this.routableSince, now, this.settings.current.slowStartMs);
  }

  isAvailable(now: number): boolean {
    if (this.draining || now < this.ejectedUntil) return false;
    if (this.health === 'unhealthy' || (this.health === 'unknown' && !this.allowUnknown)) return false;
    const max = this.config.maxConnections;
    return max === undefined || this.stats.inflight < max;
  }

  /** True when the backend could take requests but for its maxConnections limit. */
  isSaturated(now: number): boolean {
    const max = this.config.maxConnections;
    return max !== undefined && this.stats.inflight >= max && !this.draining && now >= this.ejectedUntil && this.health !== 'unhealthy';
  }

  /** Passive outlier detection: a 5xx or a connection failure. Returns true when this ejected the backend. */
  recordFailure(now: number): boolean {
    this.consecutiveFailures++;
    const s = this.settings.current;
    if (this.consecutiveFailures < s.outlierConsecutiveFailures || now < this.ejectedUntil) return false;
    // The backoff grows with each ejection and resets once the backend has behaved for a while.
    const calm = now - this.lastEjectionAt > s.outlierBaseEjectionMs * MAX_EJECTION_MULTIPLIER;
    this.ejectionLevel = calm ? 1 : Math.min(this.ejectionLevel * 2 || 1, MAX_EJECTION_MULTIPLIER);
    this.ejectedUntil = now + s.outlierBaseEjectionMs * this.ejectionLevel;
    this.lastEjectionAt = now;
    this.consecutiveFailures = 0;
    this.stats.ejections++;
    return true;
  }

  recordSuccess(): void {
    this.consecutiveFailures = 0;
  }

  /** Applies an active health check result; returns the new state when it changed. */
  recordHealthCheck(ok: boolean, healthyThreshold: number, unhealthyThreshold: number, now: number, detail?: string): HealthState | undefined {
    this.lastHealthCheck = { at: now, ok, detail };
    if (ok) {
      this.hcFailures = 0;
      this.hcSuccesses++;
      // The first check of a new backend decides at once; later flips need the threshold.
      if (this.health !== 'healthy' && (this.health === 'unknown' || this.hcSuccesses >= healthyThreshold)) {
        const wasUnhealthy = this.health === 'unhealthy';
        this.health = 'healthy';
        if (wasUnhealthy) this.routableSince = now;
        return this.health;
      }
    } else {
      this.hcSuccesses = 0;
      this.hcFailures++;
      if (this.health !== 'unhealthy' && (this.health === 'unknown' || this.hcFailures >= unhealthyThreshold)) {
        this.health = 'unhealthy';
        return this.health;
      }
    }
    return undefined;
  }

  /**
   * Stops new requests at once; closes the pool when the last in-flight request ends, or
   * destroys it (and open tunnels) when `timeoutMs` passes first.
   */
  startDrain(now: number, timeoutMs: number, onDrained: () => void): void {
    if (this.draining) return;
    this.draining = true;
    this.drainStartedAt = now;
    this.onDrained = onDrained;
    if (this.stats.inflight === 0 && this.tunnels.size === 0) {
      this.finishDrain(false);
      return;
    }
    this.drainTimer = setTimeout(() => this.finishDrain(true), timeoutMs);
    this.drainTimer.unref();
  }

  /** Called by the proxy whenever a request or tunnel to this backend ends. */
  releaseOne(): void {
    if (this.draining && this.drainedAt === undefined && this.stats.inflight === 0 && this.tunnels.size === 0) this.finishDrain(false);
  }

  private finishDrain(timedOut: boolean): void {
    if (this.drainedAt !== undefined) return;
    if (this.drainTimer) clearTimeout(this.drainTimer);
    this.drainedAt = Date.now();
    if (timedOut) {
      this.stats.errors.drain_timeout += this.stats.inflight + this.tunnels.size;
      for (const t of this.tunnels) t.destroy();
      void this.pool.destroy().catch(() => undefined);
    } else {
      void this.pool.close().catch(() => undefined);
    }
    this.onDrained?.();
  }

  /** Closes the pool right away (agent shutdown). */
  async destroy(): Promise<void> {
    if (this.drainTimer) clearTimeout(this.drainTimer);
    for (const t of this.tunnels) t.destroy();
    await this.pool.destroy().catch(() => undefined);
  }

  status(): BackendStatus {
    const now = Date.now();
    const iso = (t: number | undefined) => (t === undefined ? null : new Date(t).toISOString());
    const q = (v: number) => (Number.isNaN(v) ? null : Math.round(v * 1000) / 1000);
    const s = this.stats;
    return {
      id: this.config.id,
      name: this.config.name,
      address: this.origin,
      weight: this.config.weight,
      maxConnections: this.config.maxConnections ?? null,
      health: this.health,
      ejected: now < this.ejectedUntil,
      ejectedUntil: now < this.ejectedUntil ? new Date(this.ejectedUntil).toISOString() : null,
      ejections: s.ejections,
      draining: this.draining,
      drained: this.drainedAt !== undefined,
      drainStartedAt: iso(this.drainStartedAt),
      drainedAt: iso(this.drainedAt),
      inflight: s.inflight,
      openConnections: this.openConnections(),
      lastHealthCheck: this.lastHealthCheck ? { ...this.lastHealthCheck, at: new Date(this.lastHealthCheck.at).toISOString() } : null,
      stats: {
        requests: s.requests,
        responses: { ...s.responses },
        errors: { ...s.errors },
        bytesIn: s.bytesIn,
        bytesOut: s.bytesOut,
        retries: s.retries,
        latencyMs: { p50: q(s.latency.quantile(0.5)), p99: q(s.latency.quantile(0.99)), count: s.latency.count },
      },
    };
  }

  openConnections(): number {
    return (this.pool.closed || this.pool.destroyed ? 0 : this.pool.stats.connected) + this.tunnels.size;
  }
}
