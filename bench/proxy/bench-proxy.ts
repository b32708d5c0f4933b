/**
 * bench:proxy — one table from one run: requests/s, p50/p99 latency and the proxy's CPU time
 * per request, for 100-byte and 64 KiB responses, through (a) nothing (direct to the demo
 * backend), (b) the agent with routing, balancing, health checks and metrics on, (c) a bare
 * undici proxy (the floor), (c') a bare node:http proxy (what decides the agent's upstream
 * client), (d) nginx with an upstream keep-alive pool when nginx is installed.
 *
 * Layout: the load generator pinned to core 0, every server to core 1 (taskset), 64
 * connections, keep-alive. Load generator: wrk when installed, else autocannon.
 * Usage: npm run bench:proxy [-- --duration 5]
 */
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from '../ports';

const ROOT = resolve(__dirname, '../../..');
const argDuration = process.argv.indexOf('--duration');
const DURATION_S = argDuration > 0 ? Number(process.argv[argDuration + 1]) : 5;
const CONNECTIONS = 64;
const CLK_TCK = 100;

function which(cmd: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(':').concat(['/usr/sbin', '/sbin'])) {
    try {
      execFileSync('test', ['-x', join(dir, cmd)]);
      return join(dir, cmd);
    } catch { /* not here */ }
  }
  return null;
}

const TASKSET = which('taskset');
const WRK = which('wrk');
const NGINX = which('nginx');

function pinned(core: number, cmd: string, args: string[]): [string, string[]] {
  return TASKSET ? [TASKSET, ['-c', String(core), cmd, ...args]] : [cmd, args];
}


const children: ChildProcess[] = [];
function startServer(cmd: string, args: string[], env: Record<string, string> = {}): ChildProcess {
  const [c, a] = pinned(1, cmd, args);
  const child = spawn(c, a, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit'] });
  children.push(child);
  return child;
}

async function waitHttp(port: number, path = '/'): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    try {
      const r = await fetch(`http://127.0.0.1:${port}${path}`);
      await r.arrayBuffer();
      if (r.status < 500) return;
    } catch { /* not yet */ }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nothing answered on ${port}${path}`);
}

/** utime + stime of a process in µs, from /proc/<pid>/stat. */
function cpuMicros(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / CLK_TCK;
}

interface LoadResult { rps: number; p50Ms: number; p99Ms: number; bytesPerSec: number; requests: number; errors: number }

function toMs(v: string): number {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec(v.trim());
  if (!m) return NaN;
  const n = Number(m[1]);
  return m[2] === 'us' ? n / 1000 : m[2] === 'ms' ? n : m[2] === 's' ? n * 1000 : n * 60_000;
}

function toBytes(v: string): number {
  const m = /^([\d.]+)(B|KB|MB|GB)$/.exec(v.trim());
  if (!m) return NaN;
  return Number(m[1]) * ({ B: 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3 } as Record<string, number>)[m[2]];
}

function runLoad(url: string, seconds: number): LoadResult {
  if (WRK) {
    const [c, a] = pinned(0, WRK, ['-t1', `-c${CONNECTIONS}`, `-d${seconds}s`, '--latency', url]);
    const out = execFileSync(c, a, { encoding: 'utf8' });
    const lat = (p: string) => toMs(new RegExp(`^\\s+${p}%\\s+(\\S+)`, 'm').exec(out)?.[1] ?? '');
    const requests = Number(/(\d+) requests in/.exec(out)?.[1] ?? 0);
    const errors = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0) + [...out.matchAll(/(connect|read|write|timeout) (\d+)/g)].reduce((s, m) => s + Number(m[2]), 0);
    return { rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]), p50Ms: lat('50'), p99Ms: lat('99'), bytesPerSec: toBytes(/Transfer\/sec:\s+(\S+)/.exec(out)?.[1] ?? ''), requests, errors };
  }
  const [c, a] = pinned(0, process.execPath, [join(ROOT, 'node_modules/autocannon/autocannon.js'), '-c', String(CONNECTIONS), '-d', String(seconds), '--json', url]);
  const j = JSON.parse(execFileSync(c, a, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })) as { requests: { average: number; total: number }; latency: { p50: number; p99: number }; throughput: { average: number }; errors: number; non2xx: number };
  return { rps: j.requests.average, p50Ms: j.latency.p50, p99Ms: j.latency.p99, bytesPerSec: j.throughput.average, requests: j.requests.total, errors: j.errors + j.non2xx };
}

interface Row { path: string; size: string; r: LoadResult; cpuUsPerReq: number | null }

async function main(): Promise<void> {
  const notes: string[] = [];
  if (!TASKSET) notes.push('taskset not installed: processes are NOT pinned');
  if (!WRK) notes.push('wrk not installed: using autocannon (it competes for the same core budget)');
  notes.push(`load generator: ${WRK ? 'wrk' : 'autocannon'}, ${CONNECTIONS} connections, keep-alive, ${DURATION_S}s per cell after a 1s warm-up`);

  const backendPort = await freePort();
  const backend = startServer(process.execPath, [join(ROOT, 'dist/apps/demo-backend/src/main.js'), '--port', String(backendPort), '--body-bytes', '100']);
  await waitHttp(backendPort, '/health');
  const origin = `http://127.0.0.1:${backendPort}`;

  const proxies: { name: string; port: number; pid: () => number | undefined }[] = [{ name: 'direct', port: backendPort, pid: () => backend.pid }];

  // (b) the agent, with a real configuration document, health checks and metrics.
  const stateDir = mkdtempSync(join(tmpdir(), 'headroom-bench-'));
  writeFileSync(join(stateDir, 'config.json'), JSON.stringify({
    version: 1, generatedAt: new Date().toISOString(),
    settings: { reportIntervalMs: 5000, drainTimeoutMs: 30000, connectTimeoutMs: 2000, responseHeadersTimeoutMs: 30000, idleBodyTimeoutMs: 60000, requestHeadersTimeoutMs: 10000, maxClientConnections: 10000, outlierConsecutiveFailures: 5, outlierBaseEjectionMs: 5000, retryBudgetPercent: 20, slowStartMs: 0 },
    services: [
      { id: '6f0f4a1e-4c47-4b39-9a55-1f2d3c4b5a60', name: 'static', match: { host: 'static.example', pathPrefix: '/' }, algorithm: 'round_robin', healthCheck: { path: '/health', intervalMs: 1000, timeoutMs: 500, healthyThreshold: 2, unhealthyThreshold: 2 }, backends: [] },
      { id: '6f0f4a1e-4c47-4b39-9a55-1f2d3c4b5a61', name: 'shop', match: { pathPrefix: '/' }, algorithm: 'least_request', healthCheck: { path: '/health', intervalMs: 1000, timeoutMs: 500, healthyThreshold: 2, unhealthyThreshold: 2 },
        backends: [{ id: '6f0f4a1e-4c47-4b39-9a55-1f2d3c4b5a62', name: 'demo', host: '127.0.0.1', port: backendPort, protocol: 'http', weight: 1 }] },
    ],
  }));
  const agentPort = await freePort();
  const adminPort = await freePort();
  const agent = startServer(process.execPath, [join(ROOT, 'dist/apps/agent/src/main.js')], {
    STATE_DIR: stateDir, PROXY_HOST: '127.0.0.1', PROXY_PORT: String(agentPort), ADMIN_PORT: String(adminPort), LOG_LEVEL: 'warn', MANAGEMENT_URL: 'http://127.0.0.1:9',
  });
  await waitHttp(agentPort, '/health');
  proxies.push({ name: 'agent', port: agentPort, pid: () => agent.pid });

  // (c) bare proxies.
  for (const [name, file] of [['bare undici proxy', 'bare-undici-proxy.js'], ['bare node:http proxy', 'bare-http-proxy.js']]) {
    const port = await freePort();
    const p = startServer(process.execPath, [join(ROOT, 'dist/bench/proxy', file), String(port), origin]);
    await waitHttp(port, '/health');
    proxies.push({ name, port, pid: () => p.pid });
  }

  // (d) nginx, single process so its CPU is one /proc entry.
  if (NGINX) {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'headroom-bench-nginx-'));
    writeFileSync(join(dir, 'nginx.conf'), `daemon off; master_process off; worker_processes 1; pid ${dir}/nginx.pid; error_log ${dir}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy; fastcgi_temp_path ${dir}/fcgi; uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;
  upstream backend { server 127.0.0.1:${backendPort}; keepalive 128; }
  server {
    listen 127.0.0.1:${port};
    location / { proxy_pass http://backend; proxy_http_version 1.1; proxy_set_header Connection ""; proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for; }
  }
}
`);
    const p = startServer(NGINX, ['-p', dir, '-c', join(dir, 'nginx.conf')]);
    await waitHttp(port, '/health');
    proxies.push({ name: 'nginx', port, pid: () => p.pid });
  } else notes.push('nginx not installed: row (d) skipped');

  const rows: Row[] = [];
  for (const [size, path] of [['100 B', '/'], ['64 KiB', '/bytes/65536']]) {
    for (const px of proxies) {
      const url = `http://127.0.0.1:${px.port}${path}`;
      runLoad(url, 1);
      const pid = px.pid()!;
      const before = cpuMicros(pid);
      const r = runLoad(url, DURATION_S);
      const used = cpuMicros(pid) - before;
      rows.push({ path: px.name, size, r, cpuUsPerReq: r.requests > 0 ? used / r.requests : null });
    }
  }

  const direct = (size: string) => rows.find((x) => x.path === 'direct' && x.size === size)!.r;
  const lines = [
    '| path | body | req/s | share of direct | p50 ms | p99 ms | p99 added ms | MiB/s | CPU µs/req | errors |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows.map((x) => {
      const d = direct(x.size);
      return `| ${x.path} | ${x.size} | ${x.r.rps.toFixed(0)} | ${(x.r.rps / d.rps).toFixed(2)} | ${x.r.p50Ms.toFixed(2)} | ${x.r.p99Ms.toFixed(2)} | ${x.path === 'direct' ? '-' : (x.r.p99Ms - d.p99Ms).toFixed(2)} | ${(x.r.bytesPerSec / 1024 ** 2).toFixed(1)} | ${x.cpuUsPerReq === null ? '-' : x.cpuUsPerReq.toFixed(1)} | ${x.r.errors} |`;
    }),
  ];
  const find = (p: string, s: string) => rows.find((x) => x.path === p && x.size === s);
  const agent100 = find('agent', '100 B');
  const undici100 = find('bare undici proxy', '100 B');
  const http100 = find('bare node:http proxy', '100 B');
  const agent64 = find('agent', '64 KiB');
  const nginx64 = find('nginx', '64 KiB');
  const summary: string[] = [];
  if (agent100 && undici100) summary.push(`agent / bare undici, 100 B: ${(agent100.r.rps / undici100.r.rps).toFixed(2)}x (target >= 1.2x), agent CPU ${agent100.cpuUsPerReq?.toFixed(1)} µs/req (target <= 45), p99 added ${(agent100.r.p99Ms - direct('100 B').p99Ms).toFixed(2)} ms (target <= 2)`);
  if (undici100 && http100) summary.push(`upstream client: bare undici ${undici100.r.rps.toFixed(0)} req/s at ${undici100.cpuUsPerReq?.toFixed(1)} µs/req vs bare node:http ${http100.r.rps.toFixed(0)} req/s at ${http100.cpuUsPerReq?.toFixed(1)} µs/req`);
  if (agent64 && nginx64) summary.push(`agent / nginx bytes/s, 64 KiB: ${(agent64.r.bytesPerSec / nginx64.r.bytesPerSec).toFixed(2)} (target >= 0.80)`);
  process.stdout.write(`${lines.join('\n')}\n\n${summary.map((s) => `- ${s}`).join('\n')}\n${notes.map((n) => `- ${n}`).join('\n')}\n`);
}

main()
  .catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  })
  .finally(() => {
    for (const c of children) c.kill('SIGKILL');
  });
