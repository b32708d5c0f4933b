import { createServer, connect, Server, Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { createTestApp, flushPrefix, REDIS_URL, TestApp, waitFor } from '../support/app';
import { createSuiteDatabase, suitePrefix } from '../support/database';

/** A TCP forwarder the test can cut and restore: PostgreSQL or Redis going away, for real, under a running app. */
async function cuttable(target: URL): Promise<{ port: number; cut: () => Promise<void>; restore: () => Promise<void>; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  let server: Server;
  const listen = (port: number) =>
    new Promise<number>((resolve) => {
      server = createServer((client) => {
        const upstream = connect(Number(target.port), target.hostname);
        for (const s of [client, upstream]) {
          sockets.add(s);
          s.on('close', () => sockets.delete(s));
          s.on('error', () => undefined);
        }
        client.pipe(upstream).pipe(client);
      });
      server.listen(port, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
    });
  const port = await listen(0);
  return {
    port,
    cut: async () => {
      const closed = new Promise<void>((r) => server.close(() => r()));
      for (const s of sockets) s.destroy();
      await closed;
    },
    restore: async () => void (await listen(port)),
    // The listening server and any piped pair still open would keep jest alive after the summary.
    close: async () => {
      const closed = server.listening ? new Promise<void>((r) => server.close(() => r())) : undefined;
      for (const s of sockets) s.destroy();
      await closed;
    },
  };
}

describe('health: readiness names the dependency that is down', () => {
  let t: TestApp;
  let db: { url: string; drop: () => Promise<void> };
  let pg: Awaited<ReturnType<typeof cuttable>>;
  let redis: Awaited<ReturnType<typeof cuttable>>;

  beforeAll(async () => {
    db = await createSuiteDatabase('health');
    const dbUrl = new URL(db.url);
    pg = await cuttable(new URL(db.url));
    redis = await cuttable(new URL(REDIS_URL));
    dbUrl.host = `127.0.0.1:${pg.port}`;
    t = await createTestApp('health', { REDIS_URL: `redis://127.0.0.1:${redis.port}` }, dbUrl.toString());
  });
  afterAll(async () => {
    // Both proxies are up again (each test restores its own), so the app closes cleanly.
    try {
      await t?.close();
    } finally {
      await pg?.close();
      await redis?.close();
      await db?.drop();
      await flushPrefix(suitePrefix('health'));
    }
  });

  const ready = () => request(t.url).get('/health/ready');

  it('answers 200 with each dependency up while both answer', async () => {
    const res = await ready();
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok', info: { database: { status: 'up' }, redis: { status: 'up' } }, error: {}, details: { database: { status: 'up' }, redis: { status: 'up' } } });
  });

  it.each([
    ['redis', () => redis],
    ['database', () => pg],
  ])('answers 503 problem+json naming %s while it is down, and 200 again once it is back', async (name, proxy) => {
    const other = name === 'redis' ? 'database' : 'redis';
    await proxy().cut();
    try {
      const res = await waitFor(async () => {
        const r = await ready();
        return r.status === 503 && r;
      }, 10_000);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.headers['retry-after']).toBe('5');
      expect(res.body).toMatchObject({ type: 'https://headroom.dev/problems/dependency-unavailable', title: 'Not ready', status: 503, down: [name] });
      expect(res.body.detail).toMatch(new RegExp(`^not ready: ${name} \\(.+\\) is down$`));
      expect(res.body.checks[name]).toEqual({ status: 'down', message: expect.any(String) });
      expect(res.body.checks[other]).toEqual({ status: 'up' });
    } finally {
      await proxy().restore();
    }
    await waitFor(async () => (await ready()).status === 200, 20_000);
  });

  it('every answer above matched the document (the 503 problem included)', () => {
    expect(t.contract.violations()).toEqual([]);
    expect(t.contract.validated().has('healthReady')).toBe(true);
  });
});
