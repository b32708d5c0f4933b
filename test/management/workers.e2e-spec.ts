import { createServer } from 'node:net';
import { Client } from 'pg';
import { request } from 'undici';
import { loadConfig } from '../../libs/common/src/config';
import { sampleReport } from '../../libs/protocol/src/report-sample';
import { issueApiKey, issueEnrolmentToken } from '../../apps/management/src/cli';
import { cleanUpSuite, waitFor } from '../support/app';
import { createSuiteDatabase, suitePrefix } from '../support/database';
import { childPids, freePort, isAlive, spawnBuilt, Spawned } from '../support/processes';

/** The log lines (JSON) at warn or above, and any line that is not a log line at all. */
function troubleIn(output: string): string[] {
  return output.split('\n').filter((line) => {
    if (!line.trim()) return false;
    try {
      return (JSON.parse(line) as { level?: number }).level! >= 40;
    } catch {
      return true;
    }
  });
}

/** Stops an instance if it still runs (SIGKILL), and waits until its workers have gone too: they write under the suite's Redis prefix. */
async function kill(instance: Spawned | undefined): Promise<void> {
  if (!instance) return;
  const workers = instance.proc.pid ? childPids(instance.proc.pid) : [];
  await instance.stop('SIGKILL');
  // A worker whose primary is gone exits when its IPC channel closes.
  await waitFor(async () => !workers.some(isAlive), 10_000, 50);
}

/** GET /health/ready answers 200. */
async function ready(url: string): Promise<boolean> {
  return request(`${url}/health/ready`, { headersTimeout: 2000, bodyTimeout: 2000 }).then((r) => r.body.dump().then(() => r.statusCode === 200), () => false);
}

/**
 * Locks the event table (ACCESS EXCLUSIVE, in an open transaction) until both workers' event
 * feed queries wait on it, so their shutdown has a query in flight. COMMIT or ROLLBACK on the
 * returned client releases them; end() closes it.
 */
async function holdEventFeeds(url: string): Promise<Client> {
  const locker = new Client({ connectionString: url });
  // Another session: inside the locking transaction, pg_stat_activity would be one snapshot.
  const watcher = new Client({ connectionString: url });
  await Promise.all([locker.connect(), watcher.connect()]);
  try {
    await locker.query('BEGIN');
    await locker.query('LOCK TABLE event IN ACCESS EXCLUSIVE MODE');
    await waitFor(async () => {
      const { rows } = await watcher.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%FROM "event"%'`);
      return rows[0].n >= 2;
    }, 10_000, 50);
    return locker;
  } catch (err) {
    await locker.end();
    throw err;
  } finally {
    await watcher.end();
  }
}

describe('management with MANAGEMENT_WORKERS=2', () => {
  let db: { url: string; drop: () => Promise<void> };
  let mgmt: Spawned | undefined;
  let second: Spawned | undefined;
  let url: string;

  beforeAll(async () => {
    db = await createSuiteDatabase('mgmt_workers');
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    // A fresh database: the primary applies the migrations before any worker starts.
    // debug: an accepted report's access line is logged at debug (report-body.ts); the test reads it.
    mgmt = spawnBuilt('apps/management/src/main.js', ['serve'], {
      DATABASE_URL: db.url, REDIS_PREFIX: suitePrefix('mgmt_workers'), PORT: String(port), HOST: '127.0.0.1', MANAGEMENT_WORKERS: '2', LOG_LEVEL: 'debug',
    });
    await waitFor(async () => (await ready(url)) || null, 30_000, 100);
  }, 60_000);

  afterAll(async () => {
    try {
      await Promise.all([kill(mgmt), kill(second)]);
    } finally {
      // The instances ran on the suite's database and Redis prefix: remove both.
      await cleanUpSuite('mgmt_workers');
    }
  });

  it('answers GET /metrics for the whole instance, whichever worker takes the scrape', async () => {
    const primary = mgmt!.proc.pid!;
    await waitFor(async () => childPids(primary).length === 2 && mgmt!.output().split('\n').filter((l) => l.includes('"worker listening"')).length === 2, 30_000, 100);
    const config = loadConfig({ DATABASE_URL: db.url });
    const readKey = await issueApiKey(config, ['read'], 'workers-e2e');
    const enrolled = await request(`${url}/v1/agents/enrol`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: await issueEnrolmentToken(config, 600), name: 'edge-workers' }) });
    expect(enrolled.statusCode).toBe(201);
    const agent = (await enrolled.body.json()) as { id: string; credential: string };

    // Which worker served a request: the pid on its request log line, found by the request id we sent.
    const servedBy = (requestIds: string[]) =>
      waitFor(async () => {
        const lines = mgmt!.output().split('\n');
        const pids = requestIds.map((id) => lines.find((l) => l.includes(`"id":"${id}"`))?.match(/"pid":(\d+)/)?.[1]);
        return pids.every(Boolean) ? new Set(pids) : null;
      }, 5000, 50);

    // One connection per request: the primary hands connections to the workers in turn, so each stores some.
    const N = 12;
    for (let seq = 0; seq < N; seq++) {
      const res = await request(`${url}/v1/agents/${agent.id}/reports`, {
        method: 'POST', reset: true,
        headers: { authorization: `Bearer ${agent.credential}`, 'content-type': 'application/json', 'x-request-id': `workers-report-${seq}` },
        body: JSON.stringify({ reports: [sampleReport(agent.id, seq, new Date(), [])] }),
      });
      expect(await res.body.json()).toEqual({ accepted: 1, duplicates: 0, samples: 1 });
    }
    expect((await servedBy(Array.from({ length: N }, (_, seq) => `workers-report-${seq}`))).size).toBe(2);
    // A refused report: its id echoed, and a warning line (40) with it and the status.
    const refused = await request(`${url}/v1/agents/${agent.id}/reports`, {
      method: 'POST', headers: { authorization: `Bearer ${agent.credential}`, 'content-type': 'application/json', 'x-request-id': 'workers-refused-1' }, body: '{"reports": 7}',
    });
    expect(refused.statusCode).toBe(400);
    expect(refused.headers['x-request-id']).toBe('workers-refused-1');
    expect(await refused.body.json()).toMatchObject({ status: 400, requestId: 'workers-refused-1' });
    const linesOf = (id: string) => mgmt!.output().split('\n').filter((l) => l.includes(`"id":"${id}"`)).map((l) => JSON.parse(l) as Record<string, unknown>);
    await waitFor(async () => linesOf('workers-refused-1').length > 0 || null, 5000, 50);
    // One line per report post (pino-http does not log them as well); an accepted one at debug.
    await new Promise((r) => setTimeout(r, 200));
    expect(linesOf('workers-refused-1')).toEqual([
      expect.objectContaining({ level: 40, name: 'management', requestId: 'workers-refused-1', req: expect.objectContaining({ method: 'POST', url: `/v1/agents/${agent.id}/reports` }), res: expect.objectContaining({ statusCode: 400 }), msg: 'request errored' }),
    ]);
    expect(linesOf('workers-report-0')).toEqual([expect.objectContaining({ level: 20, res: expect.objectContaining({ statusCode: 200 }), msg: 'request completed' })]);
    // More refusals of that agent within 10 s: refused as before, but not a line each. A worker
    // writes the first of every 10 s per agent and outcome, so at most the other worker writes one.
    for (let n = 2; n <= 6; n++) {
      const again = await request(`${url}/v1/agents/${agent.id}/reports`, {
        method: 'POST', headers: { authorization: `Bearer ${agent.credential}`, 'content-type': 'application/json', 'x-request-id': `workers-refused-${n}` }, body: '{"reports": 7}',
      });
      expect(again.statusCode).toBe(400);
      await again.body.dump();
    }
    await new Promise((r) => setTimeout(r, 300));
    expect([2, 3, 4, 5, 6].flatMap((n) => linesOf(`workers-refused-${n}`)).length).toBeLessThanOrEqual(1);

    // Every scrape counts all N, whichever worker answers it (its own registry holds only its share).
    const scrapes = Array.from({ length: 4 }, (_, i) => `workers-scrape-${i}`);
    for (const id of scrapes) {
      const res = await request(`${url}/metrics`, { reset: true, headers: { authorization: `Bearer ${readKey}`, 'x-request-id': id } });
      const text = await res.body.text();
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toContain('text/plain');
      expect(text).toMatch(new RegExp(`^headroom_telemetry_reports_total\\{outcome="accepted"\\} ${N}$`, 'm'));
      expect(text.match(/^nodejs_version_info\{/gm)).toHaveLength(1);
    }
    expect((await servedBy(scrapes)).size).toBe(2);
    // Still a read: no key, no metrics.
    const anonymous = await request(`${url}/metrics`, { reset: true });
    await anonymous.body.dump();
    expect(anonymous.statusCode).toBe(401);
  });

  it('serves from two worker processes, replaces one that dies, and stops them all on SIGTERM', async () => {
    const primary = mgmt!.proc.pid!;
    const listening = () => mgmt!.output().split('\n').filter((l) => l.includes('"worker listening"')).length;
    const workers = await waitFor(async () => {
      const w = childPids(primary);
      return w.length === 2 && listening() === 2 ? w : null;
    }, 30_000, 100);

    const readKey = await issueApiKey(loadConfig({ DATABASE_URL: db.url }), ['read'], 'workers-e2e-restart');
    process.kill(workers[0], 'SIGKILL');
    await waitFor(async () => mgmt!.output().includes('worker exited; starting another'), 10_000, 50);
    // A scrape while the replacement is still loading: it answers the primary (with nothing yet)
    // from its first moments, so the scrape neither waits 5 s for it nor fails.
    await waitFor(async () => childPids(primary).some((p) => p !== workers[1]) || null, 10_000, 10);
    await new Promise((r) => setTimeout(r, 300));
    const t0 = Date.now();
    const scrape = await request(`${url}/metrics`, { reset: true, headers: { authorization: `Bearer ${readKey}` }, headersTimeout: 10_000 });
    await scrape.body.dump();
    expect(scrape.statusCode).toBe(200);
    expect(Date.now() - t0).toBeLessThan(3000);
    // The other worker keeps answering while the primary starts a replacement.
    for (let i = 0; i < 10; i++) {
      const res = await request(`${url}/health/live`, { reset: true, headersTimeout: 5000, bodyTimeout: 5000 });
      await res.body.dump();
      expect(res.statusCode).toBe(200);
    }
    const replaced = await waitFor(async () => {
      const w = childPids(primary);
      return w.length === 2 && !w.includes(workers[0]) && listening() === 3 ? w : null;
    }, 30_000, 100);
    expect(replaced).toContain(workers[1]);
    await waitFor(async () => (await ready(url)) || null, 30_000, 100);

    // Each worker's event feed runs a query every second; hold one in flight in both workers across
    // the SIGTERM (a lock on the event table) so the shutdown has to wait for it: closing the
    // database under it used to log "event feed failed: Connection terminated".
    const locker = await holdEventFeeds(db.url);
    try {
      const exited = new Promise<number | null>((r) => mgmt!.proc.once('exit', (code) => r(code)));
      mgmt!.proc.kill('SIGTERM');
      await waitFor(async () => mgmt!.output().includes('"stopping workers"'), 5000, 20);
      // A fixed hold (not a condition to poll): the workers' shutdown must get past the point where the database closes.
      await new Promise((r) => setTimeout(r, 1000));
      await locker.query('COMMIT');
      expect(await exited).toBe(0);
    } finally {
      await locker.end();
    }
    for (const pid of replaced) expect(isAlive(pid)).toBe(false);
    // A clean stop says nothing at warn or above (the kill above did, before it).
    const out = mgmt!.output();
    expect(troubleIn(out.slice(out.lastIndexOf('"stopping workers"')).split('\n').slice(1).join('\n'))).toEqual([]);
  });

  it('kills the workers on a second SIGTERM while their graceful stop hangs, and exits 1', async () => {
    const port = await freePort();
    const secondUrl = `http://127.0.0.1:${port}`;
    second = spawnBuilt('apps/management/src/main.js', ['serve'], {
      DATABASE_URL: db.url, REDIS_PREFIX: suitePrefix('mgmt_workers'), PORT: String(port), HOST: '127.0.0.1', MANAGEMENT_WORKERS: '2', LOG_LEVEL: 'info', MIGRATIONS_RUN: 'false',
    });
    const instance = second;
    const primary = instance.proc.pid!;
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => instance.proc.once('exit', (code, signal) => r({ code, signal })));
    const workers = await waitFor(async () => {
      const w = childPids(primary);
      return w.length === 2 && instance.output().split('\n').filter((l) => l.includes('"worker listening"')).length === 2 ? w : null;
    }, 30_000, 100);
    await waitFor(async () => (await ready(secondUrl)) || null, 30_000, 100);

    // The hang: as in the test above, a lock on the event table holds both workers' event feed
    // queries, which their shutdown waits for (and then runs the feed once more) before the
    // database closes; this time it is not released, so the graceful stop cannot finish
    // (for about the 15 s statement timeout, twice).
    const locker = await holdEventFeeds(db.url);
    try {
      instance.proc.kill('SIGTERM');
      await waitFor(async () => instance.output().includes('"stopping workers"'), 5000, 20);
      await new Promise((r) => setTimeout(r, 1000));
      // Still stopping: the primary waits for the workers, and they for the lock.
      expect([primary, ...workers].filter(isAlive)).toEqual([primary, ...workers]);
      expect(instance.output()).not.toContain('"killing workers"');

      const secondSignalAt = Date.now();
      instance.proc.kill('SIGTERM');
      // SIGKILLed workers, then the primary exits 1: a supervisor learns the stop was not clean.
      const outcome = await Promise.race([exited, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 5000))]);
      expect(outcome).toEqual({ code: 1, signal: null });
      expect(Date.now() - secondSignalAt).toBeLessThan(5000);
      expect([primary, ...workers].filter(isAlive)).toEqual([]);
      expect(instance.output()).toContain('"killing workers"');
    } finally {
      await locker.query('ROLLBACK').catch(() => undefined);
      await locker.end();
      await kill(instance);
    }
  });

  it('stops the instance with exit code 1 when workers keep dying (a port in use)', async () => {
    const taken = createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', () => r()));
    const port = (taken.address() as { port: number }).port;
    const looping = spawnBuilt('apps/management/src/main.js', ['serve'], {
      DATABASE_URL: db.url, REDIS_PREFIX: suitePrefix('mgmt_workers'), PORT: String(port), HOST: '127.0.0.1', MANAGEMENT_WORKERS: '2', LOG_LEVEL: 'info', MIGRATIONS_RUN: 'false',
    });
    try {
      const code = await new Promise<number | null>((r) => looping.proc.once('exit', (c) => r(c)));
      expect(code).toBe(1);
      expect(looping.output()).toContain('workers keep exiting; stopping the instance');
    } finally {
      await looping.stop('SIGKILL');
      await new Promise((r) => taken.close(r));
    }
  }, 90_000);
});
