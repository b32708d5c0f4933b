/**
 * Shared by bench/reaction and the scaling e2e: closed-loop load through an agent, and — while
 * the agent has no reporting module of its own (issue 5) — a reporter that turns the agent's
 * /admin/status into reports posted with the agent's own credential, once per interval.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Agent as UndiciAgent, request } from 'undici';
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

/** Closed-loop load: `n` concurrent request loops through the agent, each request held `delayMs` by the backend. */
export class Load {
  private loops: { stop: boolean; done: Promise<void> }[] = [];
  ok = 0;
  failed = 0;
  readonly failures = new Map<string, number>();
  readonly servedBy = new Map<string, number>();
  /** When each backend (X-Served-By) first answered since the last clear. */
  readonly firstSeen = new Map<string, number>();
  private readonly dispatcher = new UndiciAgent({ connections: 256, keepAliveTimeout: 10_000 });

  constructor(private readonly url: string, private readonly delayMs: number) {}

  set(n: number): void {
    while (this.loops.length < n) {
      const l = { stop: false, done: Promise.resolve() };
      l.done = (async () => {
        while (!l.stop) {
          try {
            const res = await request(`${this.url}/?delay-ms=${this.delayMs}`, { dispatcher: this.dispatcher });
            await res.body.dump();
            if (res.statusCode === 200) {
              this.ok++;
              const by = String(res.headers['x-served-by'] ?? '?');
              this.servedBy.set(by, (this.servedBy.get(by) ?? 0) + 1);
              if (!this.firstSeen.has(by)) this.firstSeen.set(by, Date.now());
            } else {
              this.failed++;
              this.failures.set(String(res.statusCode), (this.failures.get(String(res.statusCode)) ?? 0) + 1);
            }
          } catch (err) {
            this.failed++;
            const k = (err as { code?: string }).code ?? 'error';
            this.failures.set(k, (this.failures.get(k) ?? 0) + 1);
          }
        }
      })();
      this.loops.push(l);
    }
    const extra = this.loops.splice(n);
    for (const l of extra) l.stop = true;
  }

  private closed = false;

  async stop(): Promise<void> {
    for (const l of this.loops) l.stop = true;
    await Promise.all(this.loops.map((l) => l.done));
    this.loops = [];
    if (!this.closed) {
      this.closed = true;
      await this.dispatcher.close();
    }
  }
}
