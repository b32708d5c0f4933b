import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Command } from 'commander';
import { MANAGEMENT_NODE_FLAGS } from '../apps/management/src/node-flags';
import { ensureInfra } from './demo-infra';
import { LoadDriver } from './demo-load';

const ROOT = resolve(__dirname, '../..');
const DIST = join(ROOT, 'dist');
const say = (s: string) => process.stdout.write(`[demo] ${s}\n`);

interface Proc {
  name: string;
  child: ChildProcess;
}
const children: Proc[] = [];
let stopping = false;

function start(name: string, script: string, args: string[], env: Record<string, string>, logFile: string, nodeFlags: string[] = []): Proc {
  const child = spawn(process.execPath, [...nodeFlags, join(DIST, script), ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const out = createWriteStream(logFile, { flags: 'a' });
  child.stdout?.pipe(out);
  child.stderr?.pipe(out);
  const p = { name, child };
  children.push(p);
  child.once('exit', (code, signal) => {
    if (!stopping) say(`${name} exited (${code ?? signal}); see ${logFile}`);
  });
  return p;
}

/** Stops every process the demo started: SIGTERM, then SIGKILL after 5 s. */
async function stopAll(): Promise<void> {
  stopping = true;
  await Promise.all(
    children.map(
      ({ child }) =>
        new Promise<void>((r) => {
          if (child.exitCode !== null || child.signalCode !== null) return r();
          const t = setTimeout(() => child.kill('SIGKILL'), 5000);
          child.once('exit', () => {
            clearTimeout(t);
            r();
          });
          child.kill('SIGTERM');
        }),
    ),
  );
}

async function waitFor<T>(what: string, fn: () => Promise<T | undefined | null | false>, timeoutMs: number): Promise<T> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    try {
      const v = await fn();
      if (v) return v;
    } catch {
      // not yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${what} did not happen within ${timeoutMs} ms`);
}

function lastLine(args: string[], env: Record<string, string>): string {
  const res = spawnSync(process.execPath, [join(DIST, 'apps/management/src/main.js'), ...args], { cwd: ROOT, env: { ...process.env, ...env }, encoding: 'utf8' });
  if (res.status !== 0) throw new Error(`management ${args.join(' ')} failed:\n${res.stderr}`);
  return res.stdout.trim().split('\n').pop()!;
}

class Api {
  constructor(readonly url: string, private readonly key: string) {}
  async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(this.url + path, {
      method,
      headers: { authorization: `Bearer ${this.key}`, 'content-type': 'application/json', accept: 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path} → ${res.status}: ${text.slice(0, 300)}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }
}

interface Decision {
  id: string;
  createdAt: string;
  action: string;
  current?: number;
  desired?: number;
  reason?: string;
}

async function main(): Promise<void> {
  const opts = new Command('demo')
    .description('Headroom end to end: a service scales out under load and back in when it falls')
    .option('--duration <seconds>', 'run the whole story in about this many seconds and exit (default 90)', '90')
    .option('--port <n>', 'management API port; agents use the next two ports (8000 and 8001 when it is 8080)', process.env.PORT ?? '8080')
    .option('--backend-port <n>', 'first of the six demo backends\' ports', '9101')
    .option('--quiet', 'no live view, only the log lines and the summary')
    .parse(process.argv)
    .opts<{ duration: string; port: string; backendPort: string; quiet?: boolean }>();
  const duration = Math.max(45, Number(opts.duration) || 90);
  const databaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/headroom_demo';
  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const prefix = `headroom-demo-${process.pid}`;
  const env = {
    DATABASE_URL: databaseUrl, REDIS_URL: redisUrl, REDIS_PREFIX: prefix, PORT: opts.port, HOST: '127.0.0.1', LOG_LEVEL: 'info',
    REVISION_DEBOUNCE_MS: '50', AGENT_REPORT_INTERVAL_MS: '1000', DRAIN_TIMEOUT_SECONDS: '10', UPDATE_ACK_TIMEOUT_MS: '8000',
  };
  const work = mkdtempSync(join(tmpdir(), 'headroom-demo-'));
  const onSignal = (code: number) => () => {
    process.stdout.write('\n');
    say('stopping every process the demo started');
    void stopAll().then(() => process.exit(code));
  };
  process.on('SIGINT', onSignal(130));
  process.on('SIGTERM', onSignal(143));

  say('checking PostgreSQL and Redis');
  await ensureInfra(databaseUrl, redisUrl, say);
  say(lastLine(['migrate'], env));
  const key = lastLine(['create-api-key', '--scope', 'admin', '--name', 'demo'], env);
  const token = lastLine(['create-enrolment-token', '--max-uses', '2', '--ttl', '3600'], env);
  const api = new Api(`http://127.0.0.1:${opts.port}`, key);
  say(`starting the management API on ${api.url} (logs in ${work})`);
  start('management', 'apps/management/src/main.js', [], env, join(work, 'management.log'), MANAGEMENT_NODE_FLAGS);
  await waitFor('management API ready', async () => (await fetch(`${api.url}/health/ready`)).ok, 30_000);

  // Clean slate: servers and services left by an earlier demo run on this database.
  for (const svc of (await api.call<{ items: { id: string; name: string }[] }>('GET', '/v1/services?name=shop')).items) {
    const pool = await api.call<{ servers: { id: string }[] }>('GET', `/v1/services/${svc.id}/pool`);
    if (pool.servers.length) await api.call('POST', `/v1/services/${svc.id}/pool/deallocate`, { count: pool.servers.length }).catch(() => undefined);
  }

  const backendPorts = Array.from({ length: 6 }, (_, i) => Number(opts.backendPort) + i);
  say(`starting ${backendPorts.length} demo backends (50 ms per request, 4 at a time: beyond that requests queue) as the free pool`);
  for (const port of backendPorts) start(`backend :${port}`, 'apps/demo-backend/src/main.js', ['--port', String(port), '--latency-ms', '50', '--max-concurrency', '4'], {}, join(work, `backend-${port}.log`));
  const existing = (await api.call<{ items: { id: string; name: string; state: string; port: number; labels: Record<string, string> }[] }>('GET', '/v1/servers?limit=500')).items;
  // Demo servers of an earlier run on other ports have no backend behind them now: retire them.
  for (const old of existing.filter((x) => x.labels.role === 'demo' && !backendPorts.includes(x.port))) {
    if (old.state === 'quarantined') await api.call('POST', `/v1/servers/${old.id}/state`, { state: 'free', reason: 'demo restart' }).catch(() => undefined);
    await api.call('POST', `/v1/servers/${old.id}/retire`).catch((err) => say(`could not retire ${old.name}: ${(err as Error).message}`));
  }
  for (const port of backendPorts) {
    const name = `demo-${port}`;
    const found = existing.find((s) => s.name === name);
    if (found) {
      if (found.state === 'quarantined') await api.call('POST', `/v1/servers/${found.id}/state`, { state: 'free', reason: 'demo restart' });
      continue;
    }
    await api.call('POST', '/v1/servers', { name, host: '127.0.0.1', port, labels: { role: 'demo' } });
  }

  let service = (await api.call<{ items: { id: string }[] }>('GET', '/v1/services?name=shop')).items[0];
  const scaleInWindow = Math.max(8, Math.round(duration / 9));
  if (!service) {
    service = await api.call<{ id: string }>('POST', '/v1/services', {
      name: 'shop', match: { pathPrefix: '/' }, scaling: { min: 1, max: 5 }, latencyObjectiveMs: 150,
      healthCheck: { path: '/health', intervalMs: 500, timeoutMs: 300, healthyThreshold: 1, unhealthyThreshold: 2 },
    });
  }
  const policies = await api.call<{ id: string }[]>('GET', `/v1/services/${service.id}/policies`).catch(() => []);
  for (const p of policies) await api.call('DELETE', `/v1/services/${service.id}/policies/${p.id}`).catch(() => undefined);
  await api.call('POST', `/v1/services/${service.id}/policies`, {
    type: 'target-tracking', metric: 'inflight_per_server', target: 4,
    scaleOutStabilizationSeconds: 0, scaleInStabilizationSeconds: scaleInWindow, cooldownSeconds: 3,
  });
  say(`service shop: path /, 1..5 servers, target-tracking in-flight per server = 4 (scale-in window ${scaleInWindow} s)`);

  // Agents left enrolled by an earlier run would only show up as offline: revoke them.
  for (const a of await api.call<{ id: string; name: string }[]>('GET', '/v1/agents')) {
    if (/^edge-[12]$/.test(a.name)) await api.call('DELETE', `/v1/agents/${a.id}`).catch(() => undefined);
  }
  const demoStart = new Date();
  const agentPorts = opts.port === '8080' ? [8000, 8001] : [Number(opts.port) + 1, Number(opts.port) + 2];
  for (const [i, port] of agentPorts.entries()) {
    start(`agent edge-${i + 1}`, 'apps/agent/src/main.js', [], {
      MANAGEMENT_URL: api.url, ENROLMENT_TOKEN: token, STATE_DIR: join(work, `edge-${i + 1}`), AGENT_NAME: `edge-${i + 1}`,
      PROXY_HOST: '127.0.0.1', PROXY_PORT: String(port), ADMIN_PORT: String(opts.port === '8080' ? 9901 + i : Number(opts.port) + 3 + i), HEARTBEAT_INTERVAL_MS: '1000', CONFIG_POLL_WAIT_SECONDS: '20', LOG_LEVEL: 'warn',
    }, join(work, `edge-${i + 1}.log`));
  }
  say(`starting agents edge-1 (:${agentPorts[0]}) and edge-2 (:${agentPorts[1]})`);
  await waitFor('agents online', async () => (await api.call<{ name: string; status: string }[]>('GET', '/v1/agents')).filter((a) => /^edge-[12]$/.test(a.name) && a.status === 'online').length >= 2, 30_000);
  await waitFor('the service serving through both agents', async () => {
    const ok = await Promise.all(agentPorts.map(async (p) => (await fetch(`http://127.0.0.1:${p}/`)).status === 200));
    return ok.every(Boolean);
  }, 30_000);

  const load = new LoadDriver(agentPorts.map((p) => `http://127.0.0.1:${p}/`));
  const phases = [
    { name: 'low', connections: 4, seconds: Math.round(duration * 0.2) },
    { name: 'high', connections: 16, seconds: Math.round(duration * 0.35) },
    { name: 'low', connections: 4, seconds: duration - Math.round(duration * 0.2) - Math.round(duration * 0.35) },
  ];
  let maxServers = 0;
  const timeline: { t: number; phase: string; connections: number; rps: number; p95Ms: number; servers: number }[] = [];
  let finalServers = 0;
  const seenDecisions = new Set<string>();
  const decisionLines: string[] = [];
  const live = !opts.quiet && process.stdout.isTTY;
  const started = Date.now();
  for (const phase of phases) {
    load.set(phase.connections);
    say(`load phase: ${phase.name} (${phase.connections} connections) for ${phase.seconds} s`);
    const until = Date.now() + phase.seconds * 1000;
    while (Date.now() < until) {
      await new Promise((r) => setTimeout(r, 1000));
      const { rps, p95Ms } = load.sample();
      const pool = await api.call<{ servers: { state: string; name: string }[] }>('GET', `/v1/services/${service.id}/pool`).catch(() => ({ servers: [] }));
      const serving = pool.servers.filter((s) => s.state === 'allocated' || s.state === 'allocating').length;
      maxServers = Math.max(maxServers, serving);
      finalServers = serving;
      const decisions = await api.call<Decision[] | { items: Decision[] }>('GET', `/v1/services/${service.id}/decisions?limit=5`).catch(() => []);
      const list = Array.isArray(decisions) ? decisions : decisions.items;
      for (const d of [...list].reverse()) {
        if (seenDecisions.has(d.id) || new Date(d.createdAt) < demoStart) continue;
        seenDecisions.add(d.id);
        decisionLines.push(`${new Date(d.createdAt).toISOString().slice(11, 19)} ${d.action}${d.desired !== undefined && d.current !== undefined ? ` ${d.current}→${d.desired}` : ''}: ${d.reason ?? ''}`.slice(0, 150));
      }
      const t = Math.round((Date.now() - started) / 1000);
      timeline.push({ t, phase: phase.name, connections: phase.connections, rps, p95Ms: Math.round(p95Ms * 10) / 10, servers: serving });
      const line = `t=${String(t).padStart(3)}s  offered ${String(load.connections).padStart(2)} conns  achieved ${String(rps).padStart(5)} req/s  p95 ${p95Ms.toFixed(1).padStart(6)} ms  servers ${serving} [${pool.servers.map((s) => `${s.name.replace('demo-', '')}:${s.state}`).join(' ')}]  failed ${load.failed}`;
      if (live) {
        process.stdout.write(`\x1b[2J\x1b[H${line}\n\nlatest decisions:\n${decisionLines.slice(-6).map((l) => `  ${l}`).join('\n')}\n`);
      } else {
        process.stdout.write(`${line}\n`);
        while (decisionLines.length) process.stdout.write(`  decision ${decisionLines.shift()}\n`);
      }
    }
  }
  load.stopAll();
  // Give the last scale-in a moment to finish before counting.
  await waitFor('scale-in settling', async () => {
    const pool = await api.call<{ servers: { state: string }[] }>('GET', `/v1/services/${service.id}/pool`);
    finalServers = pool.servers.filter((s) => s.state === 'allocated' || s.state === 'allocating').length;
    return finalServers <= 1;
  }, 20_000).catch(() => undefined);
  if (load.failed) say(`failed requests by cause: ${JSON.stringify(Object.fromEntries(load.failures))}`);
  if (load.cancelled) say(`${load.cancelled} requests cancelled by the load generator when it lowered the load (not counted as failed)`);
  // Leave nothing allocated: drop the policy and return the service's last servers to the free pool.
  for (const p of await api.call<{ id: string }[]>('GET', `/v1/services/${service.id}/policies`).catch(() => [])) {
    await api.call('DELETE', `/v1/services/${service.id}/policies/${p.id}`).catch(() => undefined);
  }
  const left = await api.call<{ servers: { id: string; state: string }[] }>('GET', `/v1/services/${service.id}/pool`).catch(() => ({ servers: [] }));
  const releasable = left.servers.filter((s) => s.state === 'allocated' || s.state === 'allocating').map((s) => s.id);
  if (releasable.length) await api.call('POST', `/v1/services/${service.id}/pool/deallocate`, { serverIds: releasable }).catch((err) => say(`could not release the last servers: ${(err as Error).message}`));
  // The agents drain them and report it; only then are they back in the free pool.
  await waitFor('the last servers drained back to the free pool', async () => {
    const pool = await api.call<{ servers: unknown[] }>('GET', `/v1/services/${service.id}/pool`);
    return pool.servers.length === 0;
  }, 30_000).catch((err) => say((err as Error).message));
  for (const a of await api.call<{ id: string; name: string }[]>('GET', '/v1/agents').catch(() => [])) {
    if (/^edge-[12]$/.test(a.name)) await api.call('DELETE', `/v1/agents/${a.id}`).catch(() => undefined);
  }
  process.stdout.write(`result: ${JSON.stringify({ phases, timeline, maxServers, finalServers, total: load.total, failed: load.failed, failures: Object.fromEntries(load.failures), serviceId: service.id })}\n`);
  await stopAll();
  rmSync(work, { recursive: true, force: true });
  process.stdout.write(`summary: scaled out to ${maxServers} servers, back in to ${finalServers}, ${load.total} requests, ${load.failed} failed\n`);
  process.exit(0);
}

main().catch(async (err: unknown) => {
  process.stderr.write(`[demo] ${(err as Error).message}\n`);
  await stopAll();
  process.exit(1);
});
