import { createServer } from 'node:net';
import { request } from 'undici';
import { waitFor } from '../support/app';
import { createSuiteDatabase, suitePrefix } from '../support/database';
import { childPids, freePort, isAlive, spawnBuilt, Spawned } from '../support/processes';

describe('management with MANAGEMENT_WORKERS=2', () => {
  let db: { url: string; drop: () => Promise<void> };
  let mgmt: Spawned | undefined;
  let url: string;

  beforeAll(async () => {
    db = await createSuiteDatabase('mgmt_workers');
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    // A fresh database: the primary applies the migrations before any worker starts.
    mgmt = spawnBuilt('apps/management/src/main.js', ['serve'], {
      DATABASE_URL: db.url, REDIS_PREFIX: suitePrefix('mgmt_workers'), PORT: String(port), HOST: '127.0.0.1', MANAGEMENT_WORKERS: '2', LOG_LEVEL: 'info',
    });
    await waitFor(async () => (await request(`${url}/health/ready`, { headersTimeout: 2000, bodyTimeout: 2000 }).then((r) => r.body.dump().then(() => r.statusCode === 200), () => false)) || null, 30_000, 100);
  }, 60_000);

  afterAll(async () => {
    await mgmt?.stop('SIGKILL');
    await db.drop();
  });

  it('serves from two worker processes, replaces one that dies, and stops them all on SIGTERM', async () => {
    const primary = mgmt!.proc.pid!;
    const listening = () => mgmt!.output().split('\n').filter((l) => l.includes('"worker listening"')).length;
    const workers = await waitFor(async () => {
      const w = childPids(primary);
      return w.length === 2 && listening() === 2 ? w : null;
    }, 30_000, 100);

    process.kill(workers[0], 'SIGKILL');
    await waitFor(async () => mgmt!.output().includes('worker exited; starting another'), 10_000, 50);
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
    await waitFor(async () => (await request(`${url}/health/ready`, { headersTimeout: 2000, bodyTimeout: 2000 }).then((r) => r.body.dump().then(() => r.statusCode === 200), () => false)) || null, 30_000, 100);

    const exited = new Promise<number | null>((r) => mgmt!.proc.once('exit', (code) => r(code)));
    mgmt!.proc.kill('SIGTERM');
    expect(await exited).toBe(0);
    for (const pid of replaced) expect(isAlive(pid)).toBe(false);
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
