/**
 * The content module: the agent's data plane. Holds the live routing table built from the
 * configuration document, routes each request to a service, picks a backend and proxies the
 * exchange. `applyConfig` swaps the whole table in one assignment; in-flight requests keep the
 * backends they hold, and backends that left the configuration drain.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { connect as netConnect, Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { Logger } from 'pino';
import {
  AgentSettingsDto, ConfigDocumentDto, DEFAULT_AGENT_SETTINGS, ServiceConfigDto,
} from '../../../../libs/protocol/src/config-document';
import { Backend, BackendStatus, HealthState, SettingsRef, STATUS_CLASSES, StatusClass } from './backend';
import { Balancer, createBalancer } from './balancer';
import { buildUpstreamHeaders } from './headers';
import { HealthChecker } from './health-checker';
import { LatencyHistogram } from './histogram';
import { sendProblem, writeRawProblem } from './problem';
import { Exchange, ExchangeEnv, ExchangeService } from './proxy';
import { RetryBudget } from './retry-budget';
import { RoutingTable } from './routing';

/** Node keeps at most this many header lines and silently drops the rest; we refuse instead. */
export const MAX_HEADER_LINES = 2000;
/** How many drained backends the status keeps listing, newest first. */
const DRAINED_HISTORY = 100;

export class ServiceRuntime implements ExchangeService {
  readonly balancer: Balancer;
  readonly checkers: HealthChecker[] = [];

  constructor(readonly config: ServiceConfigDto, readonly backends: Backend[]) {
    this.balancer = createBalancer(config.algorithm);
  }

  get name(): string {
    return this.config.name;
  }

  pickBackend(now: number, exclude?: Backend): Backend | undefined {
    return this.balancer.pick(this.backends, now, exclude);
  }

  /** `unknown` (not yet checked) backends take traffic only while no backend is healthy. */
  refreshHealth(): void {
    const anyHealthy = this.backends.some((b) => b.health === 'healthy');
    for (const b of this.backends) b.allowUnknown = !anyHealthy;
  }
}

export interface ContentTotals {
  requests: number;
  responses: Record<StatusClass, number>;
  noRoute: number;
  noBackend: number;
  rejected: number;
  aborted: number;
  inflight: number;
  upgrades: number;
  latency: LatencyHistogram;
}

export interface ContentStatus {
  configVersion: number | null;
  configAppliedAt: string | null;
  settings: AgentSettingsDto;
  services: {
    id: string;
    name: string;
    match: { host?: string; pathPrefix?: string };
    algorithm: string;
    healthyBackends: number;
    backends: BackendStatus[];
  }[];
  /** Backends removed from the configuration: draining, then drained. */
  drainingBackends: (BackendStatus & { serviceId: string })[];
  totals: Omit<ContentTotals, 'latency'> & { latencyMs: { p50: number | null; p99: number | null } };
}

export interface ApplyResult {
  version: number;
  added: number;
  removed: number;
  kept: number;
}

export class ContentModule {
  private table = new RoutingTable<ServiceRuntime>([]);
  private services: ServiceRuntime[] = [];
  private backends = new Map<string, Backend>();
  private drainingBackends: Backend[] = [];
  private drainedBackends: Backend[] = [];
  private version: number | null = null;
  private appliedAt: number | null = null;
  readonly settings: SettingsRef = { current: DEFAULT_AGENT_SETTINGS };
  readonly budget = new RetryBudget(DEFAULT_AGENT_SETTINGS.retryBudgetPercent);
  readonly totals: ContentTotals = {
    requests: 0, responses: { '1xx': 0, '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 0 }, noRoute: 0, noBackend: 0, rejected: 0, aborted: 0, inflight: 0, upgrades: 0,
    latency: new LatencyHistogram(),
  };
  /** Listeners for settings changes (the front door's timeouts). */
  private readonly settingsListeners: ((s: AgentSettingsDto) => void)[] = [];

  private readonly env: ExchangeEnv = {
    budget: this.budget,
    headersTimeoutMs: () => this.settings.current.responseHeadersTimeoutMs,
    idleBodyTimeoutMs: () => this.settings.current.idleBodyTimeoutMs,
    onEjected: (b) => this.log.warn({ service: b.serviceId, backend: b.config.name, until: new Date(b.ejectedUntil).toISOString() }, 'backend ejected (outlier)'),
    onFinished: (status, ms) => {
      const t = this.totals;
      t.inflight--;
      if (status === undefined) t.aborted++;
      else {
        const cls = STATUS_CLASSES[Math.floor(status / 100) - 1];
        if (cls) t.responses[cls]++;
      }
      t.latency.record(ms);
    },
  };

  constructor(private readonly log: Logger) {}

  get configVersion(): number | null {
    return this.version;
  }

  onSettings(listener: (s: AgentSettingsDto) => void): void {
    this.settingsListeners.push(listener);
    listener(this.settings.current);
  }

  /**
   * Makes `doc` the live configuration in one step. The document must already be validated
   * (validateConfigDocument). Backends keep their state (health, pools, counters) across
   * revisions while their id and address stay the same; the rest start fresh with a slow-start
   * ramp, and those that left drain.
   */
  applyConfig(doc: ConfigDocumentDto): ApplyResult {
    const now = Date.now();
    const first = this.version === null;
    this.settings.current = { ...DEFAULT_AGENT_SETTINGS, ...doc.settings };
    this.budget.percent = this.settings.current.retryBudgetPercent;
    const next = new Map<string, Backend>();
    const services: ServiceRuntime[] = [];
    let added = 0;
    let kept = 0;
    for (const sc of doc.services) {
      const list: Backend[] = [];
      for (const bc of sc.backends) {
        const key = `${sc.id}|${bc.id}`;
        if (next.has(key)) continue;
        const old = this.backends.get(key);
        let b: Backend;
        if (old && Backend.addressKey(old.config) === Backend.addressKey(bc)) {
          old.config = bc;
          b = old;
          kept++;
        } else {
          b = new Backend(sc.id, bc, this.settings, first, now);
          added++;
        }
        next.set(key, b);
        list.push(b);
      }
      services.push(new ServiceRuntime(sc, list));
    }
    const removed: Backend[] = [];
    for (const [key, b] of this.backends) if (next.get(key) !== b) removed.push(b);

    for (const s of this.services) for (const c of s.checkers) c.stop();
    for (const s of services) {
      s.refreshHealth();
      for (const b of s.backends) {
        const checker = new HealthChecker(b, s.config.healthCheck, { onChange: (be, state) => this.onHealthChange(s, be, state) });
        s.checkers.push(checker);
        checker.start();
      }
    }

    // The swap: one assignment each; a request routed from here on sees only the new table.
    this.table = new RoutingTable(services.map((s) => ({ host: s.config.match.host, pathPrefix: s.config.match.pathPrefix, target: s })));
    this.services = services;
    this.backends = next;
    this.version = doc.version;
    this.appliedAt = now;
    for (const l of this.settingsListeners) l(this.settings.current);

    for (const b of removed) this.drain(b, now);
    this.log.info({ version: doc.version, services: services.length, added, kept, removed: removed.length }, 'configuration applied');
    return { version: doc.version, added, removed: removed.length, kept };
  }

  private drain(b: Backend, now: number): void {
    this.drainingBackends.push(b);
    this.log.info({ service: b.serviceId, backend: b.config.name, inflight: b.inflight }, 'backend draining');
    b.startDrain(now, this.settings.current.drainTimeoutMs, () => {
      this.drainingBackends = this.drainingBackends.filter((x) => x !== b);
      this.drainedBackends.unshift(b);
      this.drainedBackends.length = Math.min(this.drainedBackends.length, DRAINED_HISTORY);
      this.log.info({ service: b.serviceId, backend: b.config.name, timedOut: b.stats.errors.drain_timeout > 0 }, 'backend drained');
    });
  }

  private onHealthChange(s: ServiceRuntime, b: Backend, state: HealthState): void {
    s.refreshHealth();
    const level = state === 'healthy' ? 'info' : 'warn';
    this.log[level]({ service: s.name, backend: b.config.name, health: state, detail: b.lastHealthCheck?.detail }, 'backend health changed');
  }

  /** The front door's request handler. */
  readonly handleRequest = (req: IncomingMessage, res: ServerResponse): void => {
    const start = performance.now();
    const t = this.totals;
    t.requests++;
    t.inflight++;
    if (req.rawHeaders.length > MAX_HEADER_LINES * 2) {
      this.reject(req, res, 431, 'header-fields-too-large', 'Request header fields too large', `more than ${MAX_HEADER_LINES} header lines`);
      return;
    }
    // llhttp accepts an HTTP/0.9-style request line ("GET /") and any Transfer-Encoding that
    // ends in a token it does not know (read as "until close"); a proxy must not guess at framing.
    if (req.httpVersionMajor !== 1) {
      this.reject(req, res, 400, 'bad-request', 'Bad request', `unsupported HTTP version ${req.httpVersion}`);
      return;
    }
    const te = req.headers['transfer-encoding'];
    if (te !== undefined && te.trim().toLowerCase() !== 'chunked') {
      this.reject(req, res, 501, 'not-implemented', 'Transfer coding not implemented', `unsupported Transfer-Encoding ${JSON.stringify(te)}`);
      return;
    }
    const url = req.url ?? '/';
    const svc = this.table.match(req.headers.host, url);
    if (!svc) {
      t.noRoute++;
      this.env.onFinished(404, performance.now() - start);
      sendProblem(res, { status: 404, slug: 'no-route', title: 'No service matches this request', detail: `no service for host ${JSON.stringify(req.headers.host ?? '')} and path ${JSON.stringify(url.split('?')[0])}`, instance: url });
      return;
    }
    const backend = svc.pickBackend(Date.now());
    const up = buildUpstreamHeaders(req.rawHeaders, { remoteAddress: req.socket.remoteAddress, proto: (req.socket as { encrypted?: boolean }).encrypted ? 'https' : 'http' });
    if (!backend) {
      t.noBackend++;
      this.env.onFinished(503, performance.now() - start);
      sendProblem(res, this.noBackendProblem(svc, url, up.requestId));
      return;
    }
    const hasBody = req.headers['transfer-encoding'] !== undefined || (req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0');
    new Exchange(this.env, svc, req, res, up.headers, up.requestId, hasBody, start).send(backend);
  };

  /** Refuses a request the front door will not forward, and closes the connection (its framing is suspect). */
  private reject(req: IncomingMessage, res: ServerResponse, status: number, slug: string, title: string, detail: string): void {
    this.totals.rejected++;
    this.env.onFinished(status, 0);
    res.shouldKeepAlive = false;
    res.once('finish', () => req.socket.destroySoon());
    sendProblem(res, { status, slug, title, detail, headers: { connection: 'close' } });
  }

  private noBackendProblem(svc: ServiceRuntime, url: string, requestId: string) {
    const saturated = svc.backends.some((b) => b.isSaturated(Date.now()));
    return {
      status: 503, slug: 'no-healthy-backend', title: 'No backend available',
      detail: saturated ? `every backend of service ${svc.name} is at its maxConnections` : `service ${svc.name} has no healthy backend`,
      instance: url, requestId, headers: { 'retry-after': saturated ? '1' : '5' },
    };
  }

  /**
   * Upgrade (WebSocket and others): a raw tunnel. The request head is re-written with the
   * forwarded headers, then bytes flow both ways untouched, the backend's 101 included.
   */
  readonly handleUpgrade = (req: IncomingMessage, socket: Socket, head: Buffer): void => {
    this.totals.upgrades++;
    const url = req.url ?? '/';
    const svc = this.table.match(req.headers.host, url);
    if (!svc) {
      writeRawProblem(socket, { status: 404, slug: 'no-route', title: 'No service matches this request', instance: url });
      return;
    }
    const up = buildUpstreamHeaders(req.rawHeaders, { remoteAddress: socket.remoteAddress, proto: 'http', upgrade: true });
    const b = svc.pickBackend(Date.now());
    if (!b) {
      writeRawProblem(socket, this.noBackendProblem(svc, url, up.requestId));
      return;
    }
    b.stats.requests++;
    const c = b.config;
    const upstream = c.protocol === 'https'
      ? tlsConnect({ host: c.host, port: c.port, servername: c.tls?.servername, rejectUnauthorized: c.tls?.rejectUnauthorized ?? true })
      : netConnect({ host: c.host, port: c.port });
    upstream.setTimeout(this.settings.current.connectTimeoutMs, () => upstream.destroy(Object.assign(new Error('connect timeout'), { code: 'UND_ERR_CONNECT_TIMEOUT' })));
    b.tunnels.add(socket);
    let connected = false;
    const close = () => {
      if (b.tunnels.delete(socket)) b.releaseOne();
      socket.destroy();
      upstream.destroy();
    };
    upstream.once(c.protocol === 'https' ? 'secureConnect' : 'connect', () => {
      connected = true;
      upstream.setTimeout(0);
      let headText = `${req.method} ${url} HTTP/1.1\r\n`;
      for (let i = 0; i < up.headers.length; i += 2) headText += `${up.headers[i]}: ${up.headers[i + 1]}\r\n`;
      upstream.write(headText + '\r\n');
      if (head.length) upstream.write(head);
      upstream.pipe(socket);
      socket.pipe(upstream);
    });
    upstream.on('data', (d: Buffer) => { b.stats.bytesIn += d.length; });
    socket.on('data', (d: Buffer) => { b.stats.bytesOut += d.length; });
    upstream.on('error', (err: NodeJS.ErrnoException) => {
      if (!connected) {
        b.stats.errors[err.code === 'UND_ERR_CONNECT_TIMEOUT' ? 'connect_timeout' : 'connect_refused']++;
        if (b.tunnels.delete(socket)) b.releaseOne();
        writeRawProblem(socket, { status: 502, slug: 'bad-gateway', title: 'Bad gateway', detail: `backend ${c.name} refused the upgrade connection`, requestId: up.requestId });
        upstream.destroy();
        return;
      }
      b.stats.errors.upstream_reset++;
      close();
    });
    socket.on('error', close);
    socket.on('close', close);
    upstream.on('close', () => { if (connected) close(); });
  };

  status(): ContentStatus {
    const { latency, ...totals } = this.totals;
    const q = (v: number) => (Number.isNaN(v) ? null : Math.round(v * 1000) / 1000);
    return {
      configVersion: this.version,
      configAppliedAt: this.appliedAt === null ? null : new Date(this.appliedAt).toISOString(),
      settings: this.settings.current,
      services: this.services.map((s) => ({
        id: s.config.id,
        name: s.config.name,
        match: { ...s.config.match },
        algorithm: s.config.algorithm,
        healthyBackends: s.backends.filter((b) => b.health === 'healthy').length,
        backends: s.backends.map((b) => b.status()),
      })),
      drainingBackends: [...this.drainingBackends, ...this.drainedBackends].map((b) => ({ ...b.status(), serviceId: b.serviceId })),
      totals: { ...totals, responses: { ...totals.responses }, latencyMs: { p50: q(latency.quantile(0.5)), p99: q(latency.quantile(0.99)) } },
    };
  }

  /** Every backend with its service name, live and draining; what the metrics and reporting modules read. */
  *allBackends(): Iterable<{ service: string; backend: Backend; draining: boolean }> {
    for (const s of this.services) for (const b of s.backends) yield { service: s.name, backend: b, draining: false };
    for (const b of this.drainingBackends) yield { service: b.serviceId, backend: b, draining: true };
  }

  /** Stops health checks and closes every pool (agent shutdown). */
  async close(): Promise<void> {
    for (const s of this.services) for (const c of s.checkers) c.stop();
    await Promise.all([...this.backends.values(), ...this.drainingBackends].map((b) => b.destroy()));
  }
}
