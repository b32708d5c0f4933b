import { readdir } from 'node:fs/promises';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { Client } from 'pg';
import request from 'supertest';
import { createTestApp, flushPrefix, TestApp, waitFor } from '../support/app';
import { createSuiteDatabase, suitePrefix } from '../support/database';
import { freePort, Spawned, spawnBuilt, tempDir } from '../support/processes';

// The 60 s outage (REPORTING_OUTAGE_MS shortens it for a quick local run).
const OUTAGE_MS = Number(process.env.REPORTING_OUTAGE_MS ?? 60_000);

describe('agent reporting through a management API outage (e2e)', () => {
  let db: { url: string; drop: () => Promise<void> };
  let pg: Client;
  let t: TestApp | undefined;
  let agent: Spawned | undefined;
  let port: number;
  let proxyPort: number;
  let stateDir: string;

  const storedSeqs = async (): Promise<number[]> => (await pg.query('SELECT seq FROM telemetry_report ORDER BY seq')).rows.map((r: { seq: string }) => Number(r.seq));
  const queued = async () => (await readdir(join(stateDir, 'reports')).catch(() => [] as string[])).filter((f) => f.endsWith('.json')).length;
  let unanswered = 0;
  const traffic = async (n: number) => {
    for (let i = 0; i < n; i++) {
      await fetch(`http://127.0.0.1:${proxyPort}/x`).then((r) => r.arrayBuffer()).catch(() => {
        unanswered++;
      });
    }
  };

  beforeAll(async () => {
    db = await createSuiteDatabase('agent_reporting');
    await flushPrefix(suitePrefix('agent_reporting'));
    port = await freePort();
    t = await createTestApp('agent_reporting', { PORT: String(port) }, db.url);
    pg = new Client({ connectionString: db.url });
    await pg.connect();
    stateDir = await tempDir('reporting');
    proxyPort = await freePort();
    agent = spawnBuilt('apps/agent/src/main.js', [], {
      MANAGEMENT_URL: t.url, ENROLMENT_TOKEN: await t.enrolmentToken(), STATE_DIR: stateDir, AGENT_NAME: 'edge-reporting',
      PROXY_HOST: '127.0.0.1', PROXY_PORT: String(proxyPort), ADMIN_PORT: String(await freePort()), REPORT_INTERVAL_MS: '1000', LOG_LEVEL: 'warn',
      // Short long polls, so stopping the management app does not wait on one.
      CONFIG_POLL_WAIT_SECONDS: '2',
    });
  });
  afterAll(async () => {
    await agent?.stop();
    await pg?.end();
    await t?.close();
    await db?.drop();
    await flushPrefix(suitePrefix('agent_reporting'));
  });

  it(`stores every report of a ${OUTAGE_MS / 1000} s outage once the API returns, none twice, in order`, async () => {
    await waitFor(async () => (await storedSeqs()).length >= 2, 20_000, 200);
    await traffic(20);
    // An outage cuts connections: without this, keep-alive connections (65 s) hold close() up.
    const server = t!.app.getHttpServer() as Server;
    const closing = t!.close();
    setTimeout(() => server.closeAllConnections(), 50);
    await closing;
    t = undefined;
    const outageStart = Date.now();
    while (Date.now() - outageStart < OUTAGE_MS) await traffic(5).then(() => new Promise((r) => setTimeout(r, 200)));
    // The agent answered every request of the outage itself.
    expect(unanswered).toBe(0);
    const backlog = await queued();
    expect(backlog).toBeGreaterThanOrEqual(Math.floor(OUTAGE_MS / 1000) - 2);
    t = await createTestApp('agent_reporting', { PORT: String(port) }, db.url);
    await waitFor(async () => (await queued()) === 0 && (await storedSeqs()).length > backlog, 30_000, 200);
    const seqs = await storedSeqs();
    // Every seq from 0 up to the newest is there exactly once (the primary key forbids twice).
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i));
    const dupes = await pg.query('SELECT agent_id, seq, server_id, count(*) FROM telemetry_sample GROUP BY 1, 2, 3 HAVING count(*) > 1');
    expect(dupes.rows).toEqual([]);
    // The traffic sent during the outage arrived too (agent-level request counter).
    const total = await pg.query(`SELECT sum(requests)::int AS n FROM telemetry_sample WHERE server_id = '00000000-0000-0000-0000-000000000000'`);
    expect(total.rows[0].n).toBeGreaterThanOrEqual(20 + 5 * Math.floor(OUTAGE_MS / 1000));
    // Host metrics are reported: the agent's own series has CPU and memory.
    const res = await request(t.url).get('/v1/metrics').query({ metric: 'memory_rss_max_bytes', scope: 'agent', groupBy: 'agent', step: 60 }).set({ Authorization: `Bearer ${t.readKey}` });
    expect(res.status).toBe(200);
    expect(res.body.series[0].points.length).toBeGreaterThan(0);
  }, 60_000 + OUTAGE_MS * 2);
});
