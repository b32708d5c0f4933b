/**
 * bench/propagation: N simulated agents hold long polls against one management instance; for
 * each of 20 allocate/de-allocate changes, the time from the API call to the last agent's ack.
 *
 *   npm run bench:propagation -- --agents 200 --changes 20
 *
 * Starts its own management API as a separate process on a scratch database and Redis prefix.
 */
import { Command } from 'commander';
import { Agent, request } from 'undici';
import { execFileSync, spawn } from 'node:child_process';
import { join } from 'node:path';
import { scratchDatabase } from '../scratch-db';

const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
};

async function run(agentsWanted: number, changes: number): Promise<void> {
  const scratch = await scratchDatabase('postgres://postgres@127.0.0.1:5432/postgres', `hr_bench_propagation_${agentsWanted}`);
  const db = scratch.url;
  // The management API runs as its own process, as in production; this process is the agents.
  const port = 18_080;
  const env = {
    ...process.env, DATABASE_URL: db, REDIS_PREFIX: `hr-bench-prop-${agentsWanted}`, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', REVISION_DEBOUNCE_MS: '20', AGENT_OFFLINE_SECONDS: '3600',
    // Simulated agents ack but send no reports, so updates stay unverified: keep them from rolling back mid-run.
    UPDATE_ACK_TIMEOUT_MS: '600000',
  };
  const main = join(__dirname, '../../apps/management/src/main.js');
  const cli = (args: string[]) => execFileSync(process.execPath, [main, ...args], { env, encoding: 'utf8' }).trim().split('\n').pop()!;
  let key = '';
  let token = '';
  try {
    key = cli(['create-api-key', '--scope', 'admin', '--name', 'bench']);
    token = cli(['create-enrolment-token']);
    const server = spawn(process.execPath, [main], { env, stdio: ['ignore', 'ignore', 'inherit'] });
    const exited = new Promise((r) => server.once('exit', r));
    try {
      await measure();
    } finally {
      server.kill('SIGTERM');
      await exited;
    }
  } finally {
    // The scratch database goes with the run (its name is per agent count, so runs never share one).
    await scratch.drop().catch(() => undefined);
  }

  async function measure(): Promise<void> {
    const base = `http://127.0.0.1:${port}`;
    for (let i = 0; i < 100; i++) {
      if (await fetch(`${base}/health/ready`).then((r) => r.ok).catch(() => false)) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const dispatcher = new Agent({ connections: agentsWanted + 50, headersTimeout: 60_000, bodyTimeout: 60_000 });
    const call = async (method: 'GET' | 'POST', path: string, body: unknown, auth: string) => {
      const res = await request(base + path, { method, dispatcher, headers: { authorization: `Bearer ${auth}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
      const text = await res.body.text();
      return { status: res.statusCode, body: text ? JSON.parse(text) : null };
    };

    process.stderr.write(`enrolling ${agentsWanted} agents…\n`);
    const agents: { id: string; cred: string; version: number }[] = [];
    for (let i = 0; i < agentsWanted; i++) {
      const r = await call('POST', '/v1/agents/enrol', { token, name: `sim-${i}` }, '');
      agents.push({ id: r.body.id, cred: r.body.credential, version: 0 });
      if (i % 100 === 99) process.stderr.write(`  ${i + 1}\n`);
    }
    const svc = (await call('POST', '/v1/services', { name: 'bench', match: { pathPrefix: '/' }, scaling: { min: 0, max: 100 } }, key)).body;
    const servers: string[] = [];
    for (let i = 0; i < changes; i++) servers.push((await call('POST', '/v1/servers', { name: `bench-${i}`, host: '127.0.0.1', port: 10_000 + i }, key)).body.id);

    // Each simulated agent: long poll → ack → poll again; records when it acked each version.
    const ackedAt = new Map<string, number[]>();
    const errors = new Map<string, number>();
    let running = true;
    const loops = agents.map(async (a) => {
      while (running) {
        const r = await call('GET', `/v1/agents/${a.id}/config?after=${a.version}&wait=30`, undefined, a.cred).catch((err) => {
          errors.set(String(err), (errors.get(String(err)) ?? 0) + 1);
          return null;
        });
        if (!r) await new Promise((res) => setTimeout(res, 200));
        if (!r || r.status !== 200) continue;
        const v = r.body.version as number;
        const acked = await call('POST', `/v1/agents/${a.id}/config/acks`, { version: v, status: 'applied' }, a.cred).catch(() => null);
        if (!acked || acked.status !== 200) continue;
        ackedAt.set(`${a.id}@${v}`, [Date.now()]);
        a.version = v;
      }
    });
    // Versions are per agent; wait until every agent has moved past the versions it had.
    const advance = async (before: Map<string, number>, timeoutMs = 60_000) => {
      const until = Date.now() + timeoutMs;
      while (Date.now() < until) {
        if (agents.every((a) => a.version > (before.get(a.id) ?? 0))) return;
        await new Promise((r) => setTimeout(r, 5));
      }
      const behind = agents.filter((a) => a.version <= (before.get(a.id) ?? 0)).length;
      throw new Error(`${behind} agents did not receive the new revision; poll errors ${JSON.stringify([...errors])}`);
    };
    await advance(new Map());
    await new Promise((r) => setTimeout(r, 1000));
    const latencies: number[] = [];
    for (let i = 0; i < changes; i++) {
      const before = new Map(agents.map((a) => [a.id, a.version]));
      const acks: number[] = [];
      const t0 = Date.now();
      const r = await call('POST', `/v1/services/${svc.id}/pool/allocate`, { serverIds: [servers[i]] }, key);
      if (r.status !== 200) throw new Error(`allocate answered ${r.status}: ${JSON.stringify(r.body)}`);
      await advance(before);
      for (const a of agents) acks.push(...(ackedAt.get(`${a.id}@${a.version}`) ?? []));
      latencies.push(Math.max(...acks) - t0);
      process.stderr.write(`  change ${i + 1}/${changes}: ${latencies[latencies.length - 1]} ms to the last ack\n`);
    }
    running = false;
    process.stdout.write(`agents=${agentsWanted}  changes=${changes}  change→last ack: p50 ${percentile(latencies, 50)} ms  p99 ${percentile(latencies, 99)} ms  max ${Math.max(...latencies)} ms  (target p99 < 1000 ms)\n`);
    await dispatcher.destroy();
    void loops;
  }
}

async function main(): Promise<void> {
  const o = new Command('bench-propagation').option('--agents <n...>', 'simulated agent counts', ['200', '1000']).option('--changes <n>', 'changes per run', '20').parse(process.argv).opts<{ agents: string[]; changes: string }>();
  for (const n of o.agents) await run(Number(n), Number(o.changes));
  process.exit(0);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
