/**
 * Real processes for the agent e2e specs: demo backends and an agent serving a configuration
 * document from its own temporary STATE_DIR, all on free loopback ports.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Pool, request } from 'undici';
import { freePort, ROOT, tempDir } from '../support/processes';

export interface Proc {
  child: ChildProcess;
  /** Every stdout line so far. */
  lines: string[];
  output: () => string;
  exited: Promise<void>;
  kill: (signal?: NodeJS.Signals) => Promise<void>;
}

const running = new Set<Proc>();

function start(script: string, args: string[], env: Record<string, string>): Proc {
  const child = spawn(process.execPath, [join(ROOT, 'dist', script), ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let partial = '';
  let all = '';
  child.stdout!.on('data', (d: Buffer) => {
    const text = partial + d.toString();
    const parts = text.split('\n');
    partial = parts.pop() ?? '';
    lines.push(...parts);
    all = (all + d.toString()).slice(-100_000);
  });
  child.stderr!.on('data', (d: Buffer) => (all = (all + d.toString()).slice(-100_000)));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const p: Proc = {
    child, lines, output: () => all, exited,
    kill: async (signal = 'SIGKILL') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
      running.delete(p);
    },
  };
  running.add(p);
  return p;
}

/** Kills every process the harness started; call from afterAll. */
export async function killAll(): Promise<void> {
  await Promise.all([...running].map((p) => p.kill('SIGKILL')));
}

/** Polls `fn` until it returns a truthy value; fails with `what` after `timeoutMs`. */
export async function waitFor<T>(fn: () => Promise<T | undefined | null | false> | T | undefined | null | false, what: string, timeoutMs = 10_000, everyMs = 25): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
}

export interface DemoBackend {
  port: number;
  proc: Proc;
}

export async function startBackend(args: string[] = []): Promise<DemoBackend> {
  const port = await freePort();
  const proc = start('apps/demo-backend/src/main.js', ['--port', String(port), ...args], {});
  await waitFor(() => proc.lines.some((l) => l.includes('listening')), `demo backend on ${port}`);
  return { port, proc };
}

export interface BackendSpec {
  port: number;
  weight?: number;
  maxConnections?: number;
  name?: string;
  id?: string;
}

export interface ServiceSpec {
  name?: string;
  id?: string;
  algorithm?: 'round_robin' | 'weighted_round_robin' | 'least_request';
  match?: { host?: string; pathPrefix?: string };
  healthCheck?: Partial<{ path: string; intervalMs: number; timeoutMs: number; healthyThreshold: number; unhealthyThreshold: number }>;
  backends: BackendSpec[];
}

/** Stable ids per port, so a backend keeps its identity across configuration revisions. */
const ids = new Map<string, string>();
const idFor = (key: string) => {
  if (!ids.has(key)) ids.set(key, randomUUID());
  return ids.get(key)!;
};

let version = 0;

/** A configuration document in the protocol's format, with quick health checks and no slow start. */
export function configDoc(services: ServiceSpec[], settings: Record<string, number> = {}): Record<string, unknown> {
  return {
    version: ++version,
    generatedAt: new Date().toISOString(),
    settings: {
      reportIntervalMs: 5000, drainTimeoutMs: 30_000, connectTimeoutMs: 1000, responseHeadersTimeoutMs: 10_000, idleBodyTimeoutMs: 10_000,
      requestHeadersTimeoutMs: 5000, maxClientConnections: 10_000, outlierConsecutiveFailures: 3, outlierBaseEjectionMs: 30_000,
      retryBudgetPercent: 20, slowStartMs: 0, ...settings,
    },
    services: services.map((s, i) => {
      const name = s.name ?? `svc-${i}`;
      return {
        id: s.id ?? idFor(`service:${name}`),
        name,
        match: s.match ?? { pathPrefix: '/' },
        algorithm: s.algorithm ?? 'round_robin',
        healthCheck: { path: '/health', intervalMs: 200, timeoutMs: 150, healthyThreshold: 1, unhealthyThreshold: 2, ...s.healthCheck },
        backends: s.backends.map((b) => ({
          id: b.id ?? idFor(`backend:${b.port}`),
          name: b.name ?? `b-${b.port}`,
          host: '127.0.0.1',
          port: b.port,
          protocol: 'http',
          weight: b.weight ?? 1,
          ...(b.maxConnections ? { maxConnections: b.maxConnections } : {}),
        })),
      };
    }),
  };
}

export interface AgentStatus {
  configVersion: number | null;
  services: { name: string; healthyBackends: number; backends: BackendStatusView[] }[];
  drainingBackends: BackendStatusView[];
}

export interface BackendStatusView {
  name: string;
  address: string;
  health: string;
  ejected: boolean;
  draining: boolean;
  drained: boolean;
  inflight: number;
  stats: { requests: number; retries: number; errors: Record<string, number> };
}

export class RunningAgent {
  readonly pool: Pool;
  constructor(readonly proc: Proc, readonly proxyPort: number, readonly adminPort: number, readonly stateDir: string) {
    this.pool = new Pool(`http://127.0.0.1:${proxyPort}`, { connections: 32 });
  }

  get url(): string {
    return `http://127.0.0.1:${this.proxyPort}`;
  }

  get pid(): number {
    return this.proc.child.pid!;
  }

  async status(): Promise<AgentStatus> {
    const res = await request(`http://127.0.0.1:${this.adminPort}/admin/status`);
    return (await res.body.json()) as AgentStatus;
  }

  async backend(name: string): Promise<BackendStatusView | undefined> {
    const s = await this.status();
    return [...s.services.flatMap((x) => x.backends), ...s.drainingBackends].find((b) => b.name === name);
  }

  /** Writes a new config.json and applies it through POST /admin/reload. */
  async reload(doc: Record<string, unknown>): Promise<{ status: number; body: any }> {
    await writeFile(join(this.stateDir, 'config.json'), JSON.stringify(doc));
    const res = await request(`http://127.0.0.1:${this.adminPort}/admin/reload`, { method: 'POST' });
    return { status: res.statusCode, body: await res.body.json() };
  }

  /** Waits until every backend of every service is healthy. */
  async waitHealthy(count?: number): Promise<void> {
    await waitFor(async () => {
      const s = await this.status();
      const all = s.services.flatMap((x) => x.backends);
      return all.length >= (count ?? 1) && all.every((b) => b.health === 'healthy');
    }, 'all backends healthy');
  }

  /** The agent's resident set size in bytes, from /proc/<pid>/status. */
  async rss(): Promise<number> {
    const text = await readFile(`/proc/${this.pid}/status`, 'utf8');
    const kb = Number(/VmRSS:\s+(\d+) kB/.exec(text)?.[1]);
    return kb * 1024;
  }

  async close(): Promise<void> {
    await this.pool.close();
  }
}

export async function startAgent(doc: Record<string, unknown> | null, env: Record<string, string> = {}, existingStateDir?: string): Promise<RunningAgent> {
  const stateDir = existingStateDir ?? (await tempDir('agent-data'));
  if (doc) await writeFile(join(stateDir, 'config.json'), JSON.stringify(doc));
  const proxyPort = await freePort();
  const adminPort = await freePort();
  const proc = start('apps/agent/src/main.js', [], {
    STATE_DIR: stateDir, PROXY_HOST: '127.0.0.1', PROXY_PORT: String(proxyPort), ADMIN_PORT: String(adminPort),
    MANAGEMENT_URL: 'http://127.0.0.1:9', LOG_LEVEL: 'warn', AGENT_NAME: 'edge-e2e', ...env,
  });
  const agent = new RunningAgent(proc, proxyPort, adminPort, stateDir);
  await waitFor(async () => (await request(`http://127.0.0.1:${adminPort}/admin/health`)).statusCode === 200, `agent admin port (output: ${proc.output()})`);
  return agent;
}

/** GETs through the agent and returns the status and the X-Served-By port. */
export async function hit(agent: RunningAgent, path = '/', headers: Record<string, string> = {}): Promise<{ status: number; servedBy: number | null; body: string; headers: Record<string, string | string[] | undefined> }> {
  const res = await agent.pool.request({ path, method: 'GET', headers });
  const body = await res.body.text();
  const sb = res.headers['x-served-by'];
  return { status: res.statusCode, servedBy: typeof sb === 'string' ? Number(sb) : null, body, headers: res.headers };
}
