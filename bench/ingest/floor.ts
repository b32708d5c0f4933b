// bench:ingest-floor — the least each part of an XML report's ingest costs on this machine, with
// nothing of the management API around it: the parts bench:ingest's whole-API figure is made of.
// CPU µs per report of 21 samples (50 agents × 20 backends, as bench:ingest sends them):
//   1. HTTP: a bare node:http server reads the body and answers a small JSON ack; an undici
//      client with 50 connections posts in a closed loop (server and client CPU per request).
//   2. (1) plus fast-xml-parser parsing the body with the decoder's options.
//   3. (1) plus the whole codec: decodeReportBatchXml (pre-scan, parse, convert to the DTO shape).
//   4. PostgreSQL (CPU of every postgres process: run it on a quiet machine): what one group
//      commit writes, 10 reports per transaction, into the migrated
//      schema (ledger insert, COPY of the samples, per-service upsert), from one connection.
// Not part of npm test. BENCH_SECONDS (default 8 per part).
import { fork, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { cpus } from 'node:os';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { Client } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { Agent, request } from 'undici';
import { parserFor } from '../../libs/codec/src/xml';
import { decodeReportBatchXml, encodeReportBatchXml, REPORT_LIMITS } from '../../libs/protocol/src/report-codec';
import { sampleReport, sampleTraffic } from '../../libs/protocol/src/report-sample';
import { MANAGEMENT_NODE_FLAGS } from '../../apps/management/src/node-flags';
import { isPostgres, processCpuSeconds } from '../proc-cpu';
import { scratchDatabase } from '../scratch-db';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const AGENTS = 50;
const BACKENDS = 20;
const REPORTS_PER_COMMIT = 10;
const ADMIN_DB = process.env.BENCH_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const DB = 'hr_bench_ingest_floor';
const MAIN = join(__dirname, '../../apps/management/src/main.js');
/** Issue 5's target: 50,000 samples/s of XML on two cores. */
const TARGET_SAMPLES = 50_000;
type Mode = 'bare' | 'fxp' | 'codec';

function report(agentId: string, services: string[]) {
  const backends = Array.from({ length: BACKENDS }, (_, j) => ({ serviceId: services[j % services.length], serverId: randomUUID(), ...sampleTraffic(100 + j, [800, 1200, 2500, 4000, 9000 + j * 100, 120_000]) }));
  return sampleReport(agentId, 1, new Date(), backends);
}

/** The server side of parts 1-3, in a child process of its own (run with MANAGEMENT_NODE_FLAGS, as the API is). */
function serve(mode: Mode): void {
  const parser = parserFor(REPORT_LIMITS);
  const ack = JSON.stringify({ accepted: 1, duplicates: 0, samples: BACKENDS + 1 });
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      if (mode === 'fxp') parser.parse(body);
      else if (mode === 'codec') decodeReportBatchXml(body);
      res.writeHead(200, { 'content-type': 'application/json' }).end(ack);
    });
  });
  server.listen(0, '127.0.0.1', () => process.send!((server.address() as { port: number }).port));
}

async function httpPart(mode: Mode, bodies: string[]): Promise<{ rate: number; server: number; client: number }> {
  const child = fork(__filename, ['serve', mode], { execArgv: [...MANAGEMENT_NODE_FLAGS] });
  const port = await new Promise<number>((res) => child.once('message', (m) => res(Number(m))));
  const dispatcher = new Agent({ connections: AGENTS });
  let done = 0;
  let stop = false;
  const loop = async (i: number) => {
    while (!stop) {
      const res = await request(`http://127.0.0.1:${port}/v1/agents/x/reports`, { method: 'POST', dispatcher, body: bodies[i], headers: { 'content-type': 'application/xml' } });
      await res.body.dump();
      done++;
    }
  };
  const loops = bodies.map((_b, i) => loop(i));
  await new Promise((r) => setTimeout(r, 1500)); // warm-up: JIT, connections
  const server0 = processCpuSeconds((p) => p.pid === child.pid);
  const client0 = process.cpuUsage();
  const n0 = done;
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, SECONDS * 1000));
  const n = done - n0;
  const elapsed = (performance.now() - t0) / 1000;
  const server = ((processCpuSeconds((p) => p.pid === child.pid) - server0) / n) * 1e6;
  const c = process.cpuUsage(client0);
  stop = true;
  await Promise.all(loops);
  await dispatcher.close();
  child.kill();
  return { rate: n / elapsed, server, client: (c.user + c.system) / n };
}

/** The COPY text of one report's samples: the columns bench:ingest's reports fill, the rest at their defaults or null. */
const COLUMNS = [
  'agent_id', 'seq', 'server_id', 'service_id', 'at', 'interval_ms', 'requests', 'responses1xx', 'responses2xx', 'responses3xx', 'responses4xx', 'responses5xx', 'errors',
  'in_flight', 'open_connections', 'bytes_in', 'bytes_out', 'latency_count', 'latency_sum_us', 'latency_min_us', 'latency_max_us', 'latency_p50_us', 'latency_p90_us',
  'latency_p99_us', 'latency_buckets', 'healthy', 'draining',
];
function copyRowsOf(agentId: string, seq: number, at: string, servers: Array<[string, string | null]>): string {
  let text = '';
  for (const [serverId, serviceId] of servers) {
    text += [agentId, seq, serverId, serviceId ?? '\\N', at, 1000, 100, 0, 100, 0, 0, 0, 0, 0, 0, 10_000, 100_000, 6, 137_500, 800, 120_000, 1_200, 9_000, 120_000, '178:1,197:1,231:1,254:1,291:1,410:1', serviceId ? 't' : '\\N', serviceId ? 'f' : '\\N'].join('\t') + '\n';
  }
  return text;
}

async function postgresPart(): Promise<{ rate: number; postgres: number; client: number }> {
  const scratch = await scratchDatabase(ADMIN_DB, DB);
  const migrate = spawnSync(process.execPath, [MAIN, 'migrate'], { env: { ...process.env, DATABASE_URL: scratch.url, LOG_LEVEL: 'warn' }, encoding: 'utf8' });
  if (migrate.status !== 0) throw new Error(`migrate failed: ${migrate.stderr}`);
  const db = new Client({ connectionString: scratch.url });
  await db.connect();
  try {
    const services = Array.from({ length: 5 }, () => randomUUID());
    const agents = Array.from({ length: AGENTS }, () => ({ id: randomUUID(), seq: 0, servers: [['00000000-0000-0000-0000-000000000000', null] as [string, string | null], ...Array.from({ length: BACKENDS }, (_, j): [string, string | null] => [randomUUID(), services[j % services.length]])] }));
    let next = 0;
    const commit = async () => {
      const batch = Array.from({ length: REPORTS_PER_COMMIT }, () => {
        const a = agents[next++ % agents.length];
        return { a, seq: ++a.seq };
      });
      const at = new Date().toISOString();
      await db.query('BEGIN');
      await db.query(
        `INSERT INTO telemetry_report (agent_id, seq, interval_start, interval_end, backends)
         SELECT * FROM unnest($1::uuid[], $2::bigint[], $3::timestamptz[], $4::timestamptz[], $5::int[]) ON CONFLICT DO NOTHING RETURNING agent_id, seq, received_at`,
        [batch.map((b) => b.a.id), batch.map((b) => b.seq), batch.map(() => at), batch.map(() => at), batch.map(() => BACKENDS)],
      );
      const text = batch.map((b) => copyRowsOf(b.a.id, b.seq, at, b.a.servers)).join('');
      await new Promise<void>((resolve, reject) => {
        const stream = db.query(copyFrom(`COPY telemetry_sample (${COLUMNS.join(', ')}) FROM STDIN`));
        stream.on('finish', resolve);
        stream.on('error', reject);
        stream.end(text);
      });
      const latest = new Map<string, [string, string, number]>();
      for (const b of batch) for (const s of services) latest.set(`${b.a.id}|${s}`, [b.a.id, s, b.seq]);
      const rows = [...latest.values()].sort((x, y) => (x[0] + x[1] < y[0] + y[1] ? -1 : 1));
      await db.query(
        `INSERT INTO telemetry_agent_service AS t (agent_id, service_id, seq, reported_at)
         SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::bigint[], $4::timestamptz[])
         ON CONFLICT (agent_id, service_id) DO UPDATE SET seq = EXCLUDED.seq, reported_at = EXCLUDED.reported_at WHERE t.seq < EXCLUDED.seq`,
        [rows.map((r) => r[0]), rows.map((r) => r[1]), rows.map((r) => r[2]), rows.map(() => at)],
      );
      await db.query('COMMIT');
    };
    const until = Date.now() + 1500;
    while (Date.now() < until) await commit(); // warm-up
    const pg0 = processCpuSeconds(isPostgres);
    const client0 = process.cpuUsage();
    const t0 = performance.now();
    let commits = 0;
    while (performance.now() - t0 < SECONDS * 1000) {
      await commit();
      commits++;
    }
    const n = commits * REPORTS_PER_COMMIT;
    const elapsed = (performance.now() - t0) / 1000;
    const postgres = ((processCpuSeconds(isPostgres) - pg0) / n) * 1e6;
    const c = process.cpuUsage(client0);
    return { rate: n / elapsed, postgres, client: (c.user + c.system) / n };
  } finally {
    await db.end();
    await scratch.drop().catch(() => undefined);
  }
}

async function main(): Promise<void> {
  const services = Array.from({ length: 5 }, () => randomUUID());
  const bodies = Array.from({ length: AGENTS }, () => encodeReportBatchXml({ reports: [report(randomUUID(), services)] }));
  console.log(`bench:ingest-floor  the least each part of ingest costs here, CPU µs per XML report of ${BACKENDS + 1} samples (${bodies[0].length} characters), ${SECONDS} s per part`);
  const us = (x: number) => x.toFixed(0).padStart(4);
  const parts: Record<Mode, string> = { bare: 'HTTP only (node:http, undici, 50 connections)', fxp: 'HTTP + fast-xml-parser parse', codec: 'HTTP + decodeReportBatchXml (pre-scan, parse, convert)' };
  const http: Partial<Record<Mode, { server: number; client: number }>> = {};
  for (const mode of ['bare', 'fxp', 'codec'] as Mode[]) {
    const r = (http[mode] = await httpPart(mode, bodies));
    console.log(`  ${parts[mode].padEnd(56)} server ${us(r.server)}, client ${us(r.client)}  (${r.rate.toFixed(0)} reports/s)`);
  }
  const pg = await postgresPart();
  console.log(`  ${`PostgreSQL: group commits of ${REPORTS_PER_COMMIT} reports, one connection`.padEnd(56)} PostgreSQL ${us(pg.postgres)}, client ${us(pg.client)}  (${pg.rate.toFixed(0)} reports/s)`);
  const floor = http.codec!.server + http.codec!.client + pg.postgres + pg.client;
  const cores = cpus().length;
  const perReportBudget = (cores * 1e6 * (BACKENDS + 1)) / TARGET_SAMPLES;
  console.log(
    `  floor of the whole path (HTTP + codec + store, server and client): ${floor.toFixed(0)} µs per report; ${cores} cores allow at most ${(((cores * 1e6) / floor) * (BACKENDS + 1)).toFixed(0)} samples/s. ` +
      `${TARGET_SAMPLES} samples/s needs ≤ ${perReportBudget.toFixed(0)} µs. Compare bench:ingest's CPU per report: the rest is the management API's own work (framework, auth, validation, row building, group commit).`,
  );
}

if (process.argv[2] === 'serve') serve(process.argv[3] as Mode);
else
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
