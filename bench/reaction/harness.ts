/**
 * Shared by bench/reaction and the scaling e2e: closed-loop load through an agent, and — while
 * the agent has no reporting module of its own (issue 5) — a reporter that turns the agent's
 * /admin/status into reports posted with the agent's own credential, once per interval.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { request } from 'undici';
import { sampleTraffic } from '../../libs/protocol/src/report-sample';
import type { ReportDto } from '../../libs/protocol/src/report';

const ROOT = join(__dirname, __dirname.includes('/dist/') ? '../../..' : '../..');

/** True when the built agent sends its own reports. */
export const AGENT_REPORTS_ITSELF = existsSync(join(ROOT, 'dist/apps/agent/src/reporting'));

interface BackendView {
  id: string;
  health: string;
  ejected: boolean;
  draining: boolean;
  inflight: number;
  stats: { requests: number };
}
interface StatusView {
  services: { id: string; backends: BackendView[] }[];
  drainingBackends: (BackendView & { serviceId: string; drained?: boolean })[];
}

/** Posts one report per interval for the agent whose STATE_DIR and admin port are given. */
export function startReporter(managementUrl: string, stateDir: string, adminPort: number, intervalMs = 1000): { stop: () => Promise<void>; reports: () => number } {
  if (AGENT_REPORTS_ITSELF) return { stop: async () => undefined, reports: () => 0 };
  let stopped = false;
  let seq = 0;
  let sent = 0;
  const last = new Map<string, number>();
  const loop = (async () => {
    let identity: { id: string; credential: string } | null = null;
    while (!stopped && !identity) {
      try {
        identity = JSON.parse(await readFile(join(stateDir, 'identity.json'), 'utf8'));
      } catch {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    let start = Date.now();
    while (!stopped && identity) {
      await new Promise((r) => setTimeout(r, intervalMs - ((Date.now() - start) % intervalMs)));
      if (stopped) break;
      const end = Date.now();
      try {
        const res = await request(`http://127.0.0.1:${adminPort}/admin/status`);
        const st = (await res.body.json()) as StatusView;
        const all = [
          ...st.services.flatMap((s) => s.backends.map((b) => ({ ...b, serviceId: s.id, draining: false }))),
          ...st.drainingBackends.filter((b) => !b.drained).map((b) => ({ ...b, draining: true })),
        ];
        const backends = all.map((b) => {
          const key = `${b.serviceId}/${b.id}`;
          const requests = Math.max(0, b.stats.requests - (last.get(key) ?? b.stats.requests));
          last.set(key, b.stats.requests);
          return { ...sampleTraffic(requests, [], { inFlight: b.inflight }), serviceId: b.serviceId, serverId: b.id, healthy: b.health === 'healthy' && !b.ejected, draining: b.draining };
        });
        const report: ReportDto = {
          seq: ++seq, agentId: identity.id, intervalStart: new Date(start).toISOString(), intervalEnd: new Date(end).toISOString(),
          host: { cpuPercent: 0, hostCpuPercent: 0, memoryRssBytes: 0, memoryTotalBytes: 0, memoryFreeBytes: 0, loadAverage1: 0, eventLoopDelayP50Ms: 0, eventLoopDelayP99Ms: 0, eventLoopDelayMaxMs: 0 },
          agent: sampleTraffic(backends.reduce((n, b) => n + b.requests, 0)),
          backends,
        };
        await request(`${managementUrl}/v1/agents/${identity.id}/reports`, {
          method: 'POST', headers: { authorization: `Bearer ${identity.credential}`, 'content-type': 'application/json' }, body: JSON.stringify({ reports: [report] }),
        }).then((r) => r.body.dump());
        sent++;
      } catch {
        // the agent or the API restarting: the next interval tries again
      }
      start = end;
    }
  })();
  return { stop: async () => { stopped = true; await loop; }, reports: () => sent };
}

/**
 * The request loops of Load, on a worker thread of their own: plain JavaScript (a worker cannot
 * load the TypeScript this file is compiled from under jest), given undici's resolved path.
 */
const LOAD_WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const { Agent, request } = require(workerData.undici);
const dispatcher = new Agent({ connections: 256, keepAliveTimeout: 10000 });
const loops = [];
// Every loop until its last request is answered, stopped or not: stop waits for them all.
const running = new Set();
function start() {
  const l = { stop: false, done: null };
  l.done = (async () => {
    while (!l.stop) {
      try {
        const res = await request(workerData.url + '/?delay-ms=' + workerData.delayMs, { dispatcher });
        await res.body.dump();
        parentPort.postMessage({ status: res.statusCode, by: String(res.headers['x-served-by'] ?? '?'), at: Date.now() });
      } catch (err) {
        parentPort.postMessage({ error: (err && err.code) || 'error', at: Date.now() });
      }
    }
  })();
  running.add(l);
  l.done.then(() => running.delete(l));
  loops.push(l);
}
parentPort.on('message', async (m) => {
  if (m.set !== undefined) {
    while (loops.length < m.set) start();
    for (const l of loops.splice(m.set)) l.stop = true;
  } else if (m.stop) {
    for (const l of running) l.stop = true;
    await Promise.all([...running].map((l) => l.done));
    await dispatcher.close();
    parentPort.postMessage({ stopped: true });
  }
});
`;

/**
 * Closed-loop load: `n` concurrent request loops through the agent, each request held `delayMs`
 * by the backend. The loops run on a worker thread, so a busy moment of this process (the
 * management API of an e2e runs in it) does not leave loops idle between requests, which the
 * agent would read as load falling.
 */
export class Load {
  ok = 0;
  failed = 0;
  readonly failures = new Map<string, number>();
  readonly servedBy = new Map<string, number>();
  /** When each backend (X-Served-By) first answered since the last clear. */
  readonly firstSeen = new Map<string, number>();
  private readonly worker: Worker;
  private readonly exited: Promise<void>;
  private stopped: Promise<void> | null = null;

  constructor(url: string, delayMs: number) {
    this.worker = new Worker(LOAD_WORKER, { eval: true, workerData: { url, delayMs, undici: require.resolve('undici') } });
    this.exited = new Promise((r) => this.worker.once('exit', () => r()));
    this.worker.on('message', (m: { status?: number; by?: string; error?: string; at: number }) => {
      if (m.status === 200) {
        this.ok++;
        this.servedBy.set(m.by!, (this.servedBy.get(m.by!) ?? 0) + 1);
        if (!this.firstSeen.has(m.by!)) this.firstSeen.set(m.by!, m.at);
      } else if (m.status !== undefined || m.error !== undefined) {
        this.failed++;
        const k = m.error ?? String(m.status);
        this.failures.set(k, (this.failures.get(k) ?? 0) + 1);
      }
    });
    // A worker that dies stops the load: counted, so a test sees it fail rather than hang.
    this.worker.on('error', (err: Error) => {
      this.failed++;
      this.failures.set(`worker: ${err.message}`, 1);
    });
  }

  set(n: number): void {
    this.worker.postMessage({ set: n });
  }

  /** Stops every loop after its request in flight, and the worker. */
  async stop(): Promise<void> {
    this.stopped ??= (async () => {
      // A worker that already died has nothing to stop.
      const done = Promise.race([this.exited, new Promise<void>((r) => this.worker.on('message', (m: { stopped?: boolean }) => m.stopped && r()))]);
      this.worker.postMessage({ stop: true });
      await done;
      await this.worker.terminate();
    })();
    return this.stopped;
  }
}
