/**
 * bench:reaction — how long from the first report that breaches a policy to the new server
 * serving traffic through the agent. p50/p99 over 20 trials, reports every 1 s.
 *
 * Setup: the management API in this process (default settings but AGENT_REPORT_INTERVAL_MS=1000),
 * a real agent and demo backends as processes, a service with a target-tracking policy
 * (in-flight per server, target 4) and fast health checks (200 ms, one success). Each trial:
 * 2 requests in flight on 1 server → a step to 8 in flight (needs 2 servers); the breach is the
 * receipt time of the first stored report whose in-flight per server exceeds the tolerance, the
 * end is the first response through the agent carrying the new backend's X-Served-By. Then the
 * load drops and the service scales back to 1 before the next trial.
 * Usage: npm run bench:reaction [-- --trials 20]
 */
import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Client } from 'pg';
import { request } from 'undici';
import { loadConfig } from '../../libs/common/src/config';
import { AuthService } from '../../apps/management/src/auth/auth.service';
import { createManagementApp, hardenServer } from '../../apps/management/src/bootstrap';
import { Load, startReporter } from './harness';
import { freePort } from '../ports';
import { scratchDatabase } from '../scratch-db';

const ROOT = resolve(__dirname, '../../..');
const argTrials = process.argv.indexOf('--trials');
const TRIALS = argTrials > 0 ? Number(process.argv[argTrials + 1]) : 20;
const ADMIN_URL = process.env.BENCH_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const DB = 'hr_bench_reaction';
const DELAY_MS = 100;

const children: ChildProcess[] = [];
function start(script: string, args: string[], env: Record<string, string>): ChildProcess {
  const c = spawn(process.execPath, [join(ROOT, 'dist', script), ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  c.stdout!.resume();
  children.push(c);
  return c;
}


async function waitFor<T>(what: string, fn: () => Promise<T | false | null | undefined>, timeoutMs = 30_000, everyMs = 20): Promise<T> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    try {
      const v = await fn();
      if (v) return v;
    } catch {
      // not yet
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out waiting for ${what}`);
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function main(): Promise<void> {
  const scratch = await scratchDatabase(ADMIN_URL, DB);
  const config = loadConfig({ DATABASE_URL: scratch.url, REDIS_PREFIX: `hr-bench-reaction-${process.pid}`, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn', AGENT_REPORT_INTERVAL_MS: '1000', DRAIN_TIMEOUT_SECONDS: '3' });
  const app = await createManagementApp(config);
  hardenServer(app);
  await app.listen(0, '127.0.0.1');
  const url = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
  const ctx = { actor: 'bench', requestId: null };
  const auth = app.get(AuthService);
  const key = (await auth.createApiKey(['admin'], 'bench', ctx)).token;
  const token = (await auth.createEnrolmentToken({}, ctx)).token;
  const api = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await request(`${url}${path}`, { method: method as 'GET', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.body.text();
    if (res.statusCode >= 300) throw new Error(`${method} ${path}: ${res.statusCode} ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  };
  const db = new Client({ connectionString: scratch.url });
  await db.connect();

  let reporter: { stop: () => Promise<void> } | undefined;
  let load: Load | undefined;
  try {
    const ports: number[] = [];
    for (let i = 0; i < 3; i++) {
      const port = await freePort();
      start('apps/demo-backend/src/main.js', ['--port', String(port)], {});
      ports.push(port);
      await waitFor('demo backend', async () => (await request(`http://127.0.0.1:${port}/health`)).statusCode === 200);
      await api('POST', '/v1/servers', { name: `bench-${i}`, host: '127.0.0.1', port });
    }
    const svc = await api<{ id: string }>('POST', '/v1/services', {
      name: 'bench', match: { pathPrefix: '/' }, scaling: { min: 1, max: 3 },
      healthCheck: { path: '/health', intervalMs: 200, timeoutMs: 150, healthyThreshold: 1, unhealthyThreshold: 2 },
    });
    const proxyPort = await freePort();
    const adminPort = await freePort();
    const stateDir = mkdtempSync(join(tmpdir(), 'bench-reaction-agent-'));
    start('apps/agent/src/main.js', [], {
      MANAGEMENT_URL: url, ENROLMENT_TOKEN: token, STATE_DIR: stateDir, AGENT_NAME: 'bench-edge', PROXY_HOST: '127.0.0.1', PROXY_PORT: String(proxyPort),
      ADMIN_PORT: String(adminPort), HEARTBEAT_INTERVAL_MS: '1000', CONFIG_POLL_WAIT_SECONDS: '20', LOG_LEVEL: 'warn',
    });
    reporter = startReporter(url, stateDir, adminPort, 1000);
    await api('POST', `/v1/services/${svc.id}/policies`, { type: 'target-tracking', metric: 'inflight_per_server', target: 4, scaleInStabilizationSeconds: 3, cooldownSeconds: 0, flapBudgetPerHour: null });
    const holding = async () => (await api<{ servers: { state: string; port: number }[] }>('GET', `/v1/services/${svc.id}/pool`)).servers;
    await waitFor('one server serving', async () => (await holding()).filter((s) => s.state === 'allocated').length === 1, 30_000);
    await waitFor('the agent serving', async () => (await request(`http://127.0.0.1:${proxyPort}/`)).statusCode === 200, 30_000);
    load = new Load(`http://127.0.0.1:${proxyPort}`, DELAY_MS);

    const results: number[] = [];
    for (let trial = 1; trial <= TRIALS; trial++) {
      load.set(2);
      // Settle: one server allocated, every other back in the free pool, a few quiet reports.
      await waitFor('scale back to one server', async () => {
        const s = await holding();
        return s.length === 1 && s[0].state === 'allocated';
      }, 60_000, 100);
      await new Promise((r) => setTimeout(r, 2500));
      const initial = String((await holding())[0].port);
      load.firstSeen.clear();
      const stepAt = new Date();
      load.set(8);
      const servedAt = await waitFor('the new server serving', async () => {
        const t = [...load!.firstSeen.entries()].filter(([p]) => p !== initial).map(([, t]) => t);
        return t.length ? Math.min(...t) : null;
      }, 30_000, 5);
      const { rows } = await db.query(
        `SELECT r.received_at FROM telemetry_report r JOIN telemetry_sample s ON s.agent_id = r.agent_id AND s.seq = r.seq
          WHERE r.received_at >= $1 AND s.service_id = $2
          GROUP BY r.agent_id, r.seq, r.received_at
         HAVING sum(s.in_flight)::float / greatest(count(*) FILTER (WHERE s.draining IS NOT TRUE), 1) > 4.4
          ORDER BY r.received_at LIMIT 1`,
        [stepAt, svc.id],
      );
      if (!rows.length) throw new Error(`trial ${trial}: no breaching report found`);
      const breachAt = (rows[0].received_at as Date).getTime();
      const ms = servedAt - breachAt;
      results.push(ms);
      process.stdout.write(`trial ${String(trial).padStart(2)}: breach → serving ${ms} ms (load step → breach ${breachAt - stepAt.getTime()} ms)\n`);
    }
    const sorted = [...results].sort((a, b) => a - b);
    process.stdout.write(`\nbench:reaction  trials ${results.length}  report interval 1000 ms  analysis tick ${config.ANALYSIS_INTERVAL_MS} ms\n`);
    process.stdout.write(`first breaching report → new server serving through the agent: p50 ${pct(sorted, 50)} ms  p99 ${pct(sorted, 99)} ms  min ${sorted[0]} ms  max ${sorted[sorted.length - 1]} ms\n`);
    if (load.failed) process.stdout.write(`failed requests: ${load.failed} ${JSON.stringify(Object.fromEntries(load.failures))}\n`);
  } finally {
    await load?.stop();
    await reporter?.stop();
    for (const c of children) c.kill('SIGKILL');
    await db.end();
    await app.close();
    await scratch.drop();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    for (const c of children) c.kill('SIGKILL');
    process.exit(1);
  },
);
