import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Command } from 'commander';
import { ensureInfra } from './demo-infra';

const ROOT = resolve(__dirname, '../..');
const DIST = join(ROOT, 'dist');

const say = (s: string) => process.stdout.write(`[demo] ${s}\n`);

interface Proc {
  name: string;
  child: ChildProcess;
}

const children: Proc[] = [];

function start(name: string, script: string, args: string[], env: Record<string, string>, logFile: string): Proc {
  const child = spawn(process.execPath, [join(DIST, script), ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: false });
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

let stopping = false;
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

async function waitHttp(url: string, timeoutMs: number, ok: (status: number) => boolean = (s) => s === 200): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    try {
      const res = await fetch(url);
      if (ok(res.status)) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not come up within ${timeoutMs} ms`);
}

function lastLine(args: string[], env: Record<string, string>): string {
  const res = spawnSync(process.execPath, [join(DIST, 'apps/management/src/main.js'), ...args], { cwd: ROOT, env: { ...process.env, ...env }, encoding: 'utf8' });
  if (res.status !== 0) throw new Error(`management ${args.join(' ')} failed:\n${res.stderr}`);
  return res.stdout.trim().split('\n').pop()!;
}

async function main(): Promise<void> {
  const opts = new Command('demo')
    .option('--duration <seconds>', 'stop by itself after this many seconds (default: run until Ctrl-C)')
    .option('--port <n>', 'management API port', process.env.PORT ?? '8080')
    .parse(process.argv)
    .opts<{ duration?: string; port: string }>();
  const databaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/headroom_demo';
  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const env = { DATABASE_URL: databaseUrl, REDIS_URL: redisUrl, REDIS_PREFIX: 'headroom-demo', PORT: opts.port, HOST: '127.0.0.1' };
  const work = mkdtempSync(join(tmpdir(), 'headroom-demo-'));

  process.on('SIGINT', () => void stopAll().then(() => process.exit(130)));
  process.on('SIGTERM', () => void stopAll().then(() => process.exit(143)));

  say('checking PostgreSQL and Redis');
  await ensureInfra(databaseUrl, redisUrl, say);
  say(lastLine(['migrate'], env));
  const adminKey = lastLine(['create-api-key', '--scope', 'admin', '--name', 'demo'], env);
  const token = lastLine(['create-enrolment-token', '--max-uses', '2'], env);
  const url = `http://127.0.0.1:${opts.port}`;
  say(`starting the management API on ${url} (logs: ${work}/management.log)`);
  start('management', 'apps/management/src/main.js', [], env, join(work, 'management.log'));
  await waitHttp(`${url}/health/ready`, 30_000);
  say('starting agent edge-1 (proxy :8000, admin :9901)');
  start('agent edge-1', 'apps/agent/src/main.js', [], { MANAGEMENT_URL: url, ENROLMENT_TOKEN: token, STATE_DIR: join(work, 'edge-1'), AGENT_NAME: 'edge-1', PROXY_PORT: '8000', ADMIN_PORT: '9901' }, join(work, 'edge-1.log'));
  const until = Date.now() + 30_000;
  let agents: { name: string; status: string; id: string }[] = [];
  while (Date.now() < until) {
    agents = (await (await fetch(`${url}/v1/agents`, { headers: { authorization: `Bearer ${adminKey}` } })).json()) as typeof agents;
    if (agents.some((a) => a.name === 'edge-1' && a.status === 'online')) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  const edge = agents.find((a) => a.name === 'edge-1');
  if (!edge) throw new Error('agent edge-1 did not enrol');
  say(`agent edge-1 enrolled as ${edge.id}, status ${edge.status}`);
  say(`admin API key for this demo: ${adminKey}`);
  say(`try: curl -H "Authorization: Bearer ${adminKey}" ${url}/v1/agents`);
  if (opts.duration) {
    await new Promise((r) => setTimeout(r, Number(opts.duration) * 1000));
    await stopAll();
    rmSync(work, { recursive: true, force: true });
    say('summary: management API and 1 agent ran, agent enrolled and heartbeating');
    process.exit(0);
  }
  say('running; press Ctrl-C to stop every process');
}

main().catch(async (err: unknown) => {
  process.stderr.write(`[demo] ${(err as Error).message}\n`);
  await stopAll();
  process.exit(1);
});
