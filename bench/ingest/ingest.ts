// bench:ingest — reports/s and samples/s one management instance sustains from 50 simulated
// agents × 20 backends, XML and JSON, with p99 latency and the server's time per stage
// (parse, validate, store, from its Prometheus histogram). Not part of npm test.
//   BENCH_SECONDS (default 15 per format), BENCH_AGENTS (50), BENCH_BACKENDS (20), BENCH_PROFILE_DIR,
//   BENCH_OPEN_RATE (reports/s of the open-loop phase; default 60% of the closed-loop figure),
//   BENCH_WORKERS (management worker processes, MANAGEMENT_WORKERS; default 1), BENCH_FORMATS (xml,json),
//   BENCH_SEMI_SPACE_MB (the management process's --max-semi-space-size; default 64, as `npm run management` runs it),
//   BENCH_BATCH (reports per POST, as an agent sends after an outage or with a short interval; default 1),
//   BENCH_LOADGEN (wrk or node: what drives the closed loop; default wrk when it is installed, `apt-get install -y wrk`)
import { spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { encodeReportBatchXml } from '../../libs/protocol/src/report-codec';
import { sampleReport, sampleTraffic } from '../../libs/protocol/src/report-sample';
import { MANAGEMENT_NODE_FLAGS } from '../../apps/management/src/node-flags';
import { freePort } from '../ports';
import { isPostgres, machineCpuSeconds, processCpuSeconds } from '../proc-cpu';
import { scratchDatabase, sql } from '../scratch-db';
import { closedLoopWrk, haveWrk } from './wrk';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 15);
const AGENTS = Number(process.env.BENCH_AGENTS ?? 50);
const BACKENDS = Number(process.env.BENCH_BACKENDS ?? 20);
const ADMIN_DB = process.env.BENCH_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const DB = 'hr_bench_ingest';
const WORKERS = Number(process.env.BENCH_WORKERS ?? 1);
const BATCH = Math.min(99, Math.max(1, Number(process.env.BENCH_BATCH ?? 1)));
const FORMATS = (process.env.BENCH_FORMATS ?? 'xml,json').split(',') as Array<'xml' | 'json'>;
/** wrk costs a fraction of the CPU per request that undici in this process does, and that CPU counts against the target. */
const LOADGEN = process.env.BENCH_LOADGEN ?? (haveWrk() ? 'wrk' : 'node');
if (LOADGEN !== 'wrk' && LOADGEN !== 'node') throw new Error(`BENCH_LOADGEN must be wrk or node, not ${LOADGEN}`);
const MAIN = join(__dirname, '../../apps/management/src/main.js');
/** Issue 5's target for XML. */
const TARGET_SAMPLES = 50_000;

/** CPU seconds each process group has used so far: the management process and its workers, PostgreSQL, the whole machine. */
function cpuSeconds(managementPid: number): { management: number; postgres: number; machine: number } {
  return {
    management: processCpuSeconds((p) => p.pid === managementPid || p.ppid === managementPid),
    postgres: processCpuSeconds(isPostgres),
    machine: machineCpuSeconds(),
  };
}

function pct(sorted: number[], p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] : 0;
}

async function stageTimes(url: string, key: string): Promise<Record<string, { sum: number; count: number }>> {
  const res = await request(`${url}/metrics`, { headers: { authorization: `Bearer ${key}` } });
  const text = await res.body.text();
  const out: Record<string, { sum: number; count: number }> = {};
  for (const m of text.matchAll(/^headroom_telemetry_rollup_run_seconds_(sum|count) (\S+)$/gm)) {
    out['rollup:seconds'] ??= { sum: 0, count: 0 };
    out['rollup:seconds'][m[1] as 'sum' | 'count'] = Number(m[2]);
  }
  for (const m of text.matchAll(/^headroom_telemetry_rollup_rows_total (\S+)$/gm)) out['rollup:rows'] = { sum: Number(m[1]), count: 0 };
  for (const m of text.matchAll(/^headroom_telemetry_ingest_commit_(reports|seconds)_(sum|count) (\S+)$/gm)) {
    out[`commit:${m[1]}`] ??= { sum: 0, count: 0 };
    out[`commit:${m[1]}`][m[2] as 'sum' | 'count'] = Number(m[3]);
  }
  for (const m of text.matchAll(/^headroom_telemetry_ingest_stage_seconds_(sum|count)\{stage="(\w+)",format="(\w+)"\} (\S+)$/gm)) {
    const k = `${m[3]}:${m[2]}`;
    out[k] ??= { sum: 0, count: 0 };
    out[k][m[1] as 'sum' | 'count'] = Number(m[4]);
  }
  return out;
}

/** Stand-in seq of a template's first report (the k-th is SEQ_TOKEN + k, k < 100), and the pattern that finds them. */
const SEQ_TOKEN = 987654300;
const SEQ_PATTERN = `${String(SEQ_TOKEN).slice(0, -2)}\\d\\d`;
const START_MARK = '2000-01-01T00:00:00.000Z';
const END_MARK = '2000-01-01T00:00:01.000Z';

function stamp(template: string, seq: number): string {
  const end = Date.now();
  return template.replace(new RegExp(SEQ_PATTERN, 'g'), (m) => String(seq + Number(m) - SEQ_TOKEN)).replace(START_MARK, new Date(end - 1000).toISOString()).replace(END_MARK, new Date(end).toISOString());
}

/** Sends `rate` reports/s spread over the agents for `seconds`; each latency runs from the report's due time. */
async function openLoop(rate: number, seconds: number, agents: number, send: (i: number) => Promise<boolean>): Promise<{ latencies: number[]; errors: number; achieved: number }> {
  const latencies: number[] = [];
  let errors = 0;
  const total = Math.round(rate * seconds);
  const start = performance.now() + 100;
  const inflight: Array<Promise<void>> = [];
  for (let k = 0; k < total; k++) {
    const due = start + (k * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    inflight.push(
      send(k % agents).then(
        (ok) => {
          if (!ok) errors++;
          latencies.push(performance.now() - due);
        },
        () => {
          errors++;
        },
      ),
    );
  }
  await Promise.all(inflight);
  const elapsed = (performance.now() - start) / 1000;
  latencies.sort((x, y) => x - y);
  return { latencies, errors, achieved: latencies.length / elapsed };
}

async function main(): Promise<void> {
  const db = await scratchDatabase(ADMIN_DB, DB);
  // The management API as it is deployed: its own process (MANAGEMENT_WORKERS of them), migrated
  // and given an admin key through its CLI. BENCH_PROFILE_DIR=/tmp/prof writes V8 CPU profiles of
  // it there (one per process; open them in Chrome DevTools).
  const profile = process.env.BENCH_PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE_DIR}`] : [];
  const port = await freePort();
  const env = {
    ...process.env, DATABASE_URL: db.url, REDIS_PREFIX: 'hr-bench-ingest', PORT: String(port), HOST: '127.0.0.1',
    LOG_LEVEL: 'warn', TELEMETRY_RETENTION_SWEEP_MS: '0', MANAGEMENT_WORKERS: String(WORKERS),
    // A larger young generation, as MANAGEMENT_NODE_FLAGS: ingest allocates a parse tree per
    // report. XML, one process, management CPU per report: 16 MB 1,850, 32 MB 1,755, 64 MB 1,643 µs.
    NODE_OPTIONS: [process.env.NODE_OPTIONS ?? '', ...(process.env.BENCH_SEMI_SPACE_MB ? [`--max-semi-space-size=${process.env.BENCH_SEMI_SPACE_MB}`] : MANAGEMENT_NODE_FLAGS)].join(' ').trim(),
  };
  const cli = (...args: string[]) => {
    const r = spawnSync(process.execPath, [MAIN, ...args], { env, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`management ${args.join(' ')} failed: ${r.stderr}`);
    return r.stdout.trim().split('\n').pop()!;
  };
  cli('migrate');
  const adminKey = cli('create-api-key', '--scope', 'admin', '--name', 'bench');
  const server = spawn(process.execPath, [...profile, MAIN, 'serve'], { env, stdio: ['ignore', 'inherit', 'inherit'] });
  const url = `http://127.0.0.1:${port}`;
  const dispatcher = new Agent({ connections: AGENTS, pipelining: 1 });
  const exited = new Promise((r) => server.once('exit', r));
  try {
    for (let tries = 0; ; tries++) {
      const ok = await request(`${url}/health/ready`).then((r) => r.body.dump().then(() => r.statusCode === 200), () => false);
      if (ok) break;
      if (tries > 300 || server.exitCode !== null) throw new Error('the management API did not become ready');
      await new Promise((r) => setTimeout(r, 100));
    }
    const agents: Array<{ id: string; credential: string; backends: Array<{ serviceId: string; serverId: string }> }> = [];
    const services = Array.from({ length: 5 }, () => randomUUID());
    for (let i = 0; i < AGENTS; i++) {
      const tok = await request(`${url}/v1/enrolment-tokens`, { method: 'POST', headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' }, body: '{}' });
      const { token } = (await tok.body.json()) as { token: string };
      const en = await request(`${url}/v1/agents/enrol`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token, name: `bench-${i}` }) });
      const a = (await en.body.json()) as { id: string; credential: string };
      agents.push({ ...a, backends: Array.from({ length: BACKENDS }, (_, j) => ({ serviceId: services[j % services.length], serverId: randomUUID() })) });
    }
    const storedReports = async () => Number((await sql(db.url, 'SELECT count(*) AS n FROM telemetry_report'))[0].n);
    let seqBase = 0;
    console.log(`bench:ingest  ${AGENTS} agents × ${BACKENDS} backends, ${SECONDS} s per format, ${BATCH} report${BATCH > 1 ? 's' : ''} of ${BACKENDS + 1} samples per POST, ${WORKERS} management worker process${WORKERS > 1 ? 'es' : ''}`);
    console.log('target (issue 5): ≥ 50,000 samples/s as XML with p99 < 100 ms, load generator, management API and PostgreSQL on this machine');
    for (const format of FORMATS) {
      // With several workers a scrape reaches one of them: its totals since start, not a delta.
      const before = WORKERS > 1 ? {} : await stageTimes(url, adminKey);
      // One body template per agent; only seq changes between its reports.
      const templates = agents.map((a) => {
        const reports = Array.from({ length: BATCH }, (_, k) => {
          const r = sampleReport(a.id, 0, new Date(), a.backends.map((b, j) => ({ ...b, ...sampleTraffic(100 + j, [800, 1200, 2500, 4000, 9000 + j * 100, 120_000]) })));
          r.seq = SEQ_TOKEN + k;
          // Stand-ins replaced per send: each report covers the second before it is sent, as an agent's does.
          r.intervalStart = START_MARK;
          r.intervalEnd = END_MARK;
          return r;
        });
        return format === 'xml' ? encodeReportBatchXml({ reports }) : JSON.stringify({ reports });
      });
      const seqs = agents.map(() => seqBase);
      const send = async (i: number): Promise<boolean> => {
        const res = await request(`${url}/v1/agents/${agents[i].id}/reports`, {
          method: 'POST', dispatcher, body: stamp(templates[i], (seqs[i] += BATCH) - BATCH),
          headers: { authorization: `Bearer ${agents[i].credential}`, 'content-type': format === 'xml' ? 'application/xml' : 'application/json' },
        });
        await res.body.dump();
        return res.statusCode === 200;
      };
      // Closed loop: every agent posts its next report as soon as the last is answered (the most
      // one instance sustains; latency here is mostly queueing, concurrency / throughput).
      const storedBefore = await storedReports();
      const cpu0 = cpuSeconds(server.pid!);
      const self0 = process.cpuUsage();
      let closed: { posts: number; errors: number; p50: number; p99: number; elapsed: number; generatorSeconds: number };
      if (LOADGEN === 'wrk') {
        const w = await closedLoopWrk({
          url, agents: agents.map((a, i) => ({ id: a.id, credential: a.credential, template: templates[i] })), contentType: format === 'xml' ? 'application/xml' : 'application/json',
          seconds: SECONDS, batch: BATCH, seqBase, seqToken: SEQ_TOKEN, seqPattern: SEQ_PATTERN, startMark: START_MARK, endMark: END_MARK,
        });
        // wrk's own CPU; this process only waited.
        closed = { posts: w.requests, errors: w.errors, p50: w.p50Ms, p99: w.p99Ms, elapsed: w.seconds, generatorSeconds: w.cpuSeconds };
        // The open loop below (undici) continues after the seqs wrk used.
        for (let i = 0; i < seqs.length; i++) seqs[i] = w.seqEnd;
      } else {
        const latencies: number[] = [];
        let errors = 0;
        const until = Date.now() + SECONDS * 1000;
        const started = Date.now();
        await Promise.all(
          agents.map(async (_a, i) => {
            while (Date.now() < until) {
              const t0 = performance.now();
              if (!(await send(i))) errors++;
              latencies.push(performance.now() - t0);
            }
          }),
        );
        const selfUs = process.cpuUsage(self0);
        latencies.sort((x, y) => x - y);
        closed = { posts: latencies.length, errors, p50: pct(latencies, 50), p99: pct(latencies, 99), elapsed: (Date.now() - started) / 1000, generatorSeconds: (selfUs.user + selfUs.system) / 1e6 };
      }
      seqBase += 10_000_000;
      const elapsed = closed.elapsed;
      const cpu1 = cpuSeconds(server.pid!);
      const after = await stageTimes(url, adminKey);
      // Every report sent is a new (agent, seq): each answered one must have been stored (and the
      // ones still in flight at the end may have been), none refused as a duplicate.
      const stored = (await storedReports()) - storedBefore;
      const answered = (closed.posts - closed.errors) * BATCH;
      if (stored < answered || stored > answered + AGENTS * BATCH) console.log(`     ! ${answered} reports answered, but ${stored} stored`);
      const reportsPerS = (closed.posts * BATCH) / elapsed;
      const stages = ['parse', 'validate', 'store'].map((s) => {
        const k = `${format}:${s}`;
        const sum = (after[k]?.sum ?? 0) - (before[k]?.sum ?? 0);
        const count = (after[k]?.count ?? 0) - (before[k]?.count ?? 0);
        return `${s} ${count ? ((sum / count) * 1000).toFixed(2) : '-'} ms`;
      });
      const delta = (k: string, f: 'sum' | 'count') => (after[k]?.[f] ?? 0) - (before[k]?.[f] ?? 0);
      const commits = delta('commit:reports', 'count');
      console.log(
        `${format.toUpperCase().padEnd(4)} ${reportsPerS.toFixed(0)} reports/s, ${(reportsPerS * (BACKENDS + 1)).toFixed(0)} samples/s, ` +
          `latency p50 ${closed.p50.toFixed(1)} ms p99 ${closed.p99.toFixed(1)} ms, errors ${closed.errors} (${LOADGEN}); per POST${WORKERS > 1 ? ' (one worker, since start)' : ''}: ${stages.join(', ')}; ` +
          `group commit: ${commits ? (delta('commit:reports', 'sum') / commits).toFixed(1) : '-'} reports per transaction, ${commits ? ((delta('commit:seconds', 'sum') / commits) * 1000).toFixed(1) : '-'} ms each; ` +
          `roll-up job (every 10 s): ${delta('rollup:seconds', 'count')} runs, ${delta('rollup:seconds', 'count') ? ((delta('rollup:seconds', 'sum') / delta('rollup:seconds', 'count')) * 1000).toFixed(0) : '-'} ms each, ${delta('rollup:rows', 'sum')} rows`,
      );
      // Where the machine's CPU went, per report: what bounds reports/s on two cores.
      const perReport = (seconds: number) => ((seconds / (closed.posts * BATCH)) * 1e6).toFixed(0);
      const generator = closed.generatorSeconds;
      const management = cpu1.management - cpu0.management;
      const postgres = cpu1.postgres - cpu0.postgres;
      const machine = cpu1.machine - cpu0.machine;
      console.log(
        `     CPU per report (µs): management ${perReport(management)}, PostgreSQL ${perReport(postgres)}, load generator ${perReport(generator)}, ` +
          `other ${perReport(Math.max(0, machine - management - postgres - generator))}; machine busy ${((machine / elapsed / cpus().length) * 100).toFixed(0)}% of ${cpus().length} cores`,
      );
      // The ceiling this CPU cost allows, against the target (when the machine is the limit).
      const totalUs = ((management + postgres + generator) / (closed.posts * BATCH)) * 1e6;
      const targetReports = TARGET_SAMPLES / (BACKENDS + 1);
      console.log(
        `     at ${totalUs.toFixed(0)} µs of CPU per report, ${cpus().length} cores allow at most ${((cpus().length * 1e6) / totalUs).toFixed(0)} reports/s = ` +
          `${(((cpus().length * 1e6) / totalUs) * (BACKENDS + 1)).toFixed(0)} samples/s; ${TARGET_SAMPLES} samples/s needs ≤ ${((cpus().length * 1e6) / targetReports).toFixed(0)} µs per report`,
      );
      // Open loop: reports at a fixed rate below saturation, latency counted from when each was
      // due (no coordinated omission) — what an agent sees at that load.
      const rate = Number(process.env.BENCH_OPEN_RATE ?? Math.max(10, Math.round(reportsPerS * 0.6)));
      const open = await openLoop(rate / BATCH, Math.max(5, SECONDS / 2), agents.length, send);
      console.log(
        `     open loop at ${rate} reports/s (${rate * (BACKENDS + 1)} samples/s): achieved ${(open.achieved * BATCH).toFixed(0)} reports/s, ` +
          `latency p50 ${pct(open.latencies, 50).toFixed(1)} ms p99 ${pct(open.latencies, 99).toFixed(1)} ms, errors ${open.errors}`,
      );
    }
  } finally {
    await dispatcher.close();
    server.kill('SIGTERM');
    await exited;
    await db.drop().catch(() => undefined);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
