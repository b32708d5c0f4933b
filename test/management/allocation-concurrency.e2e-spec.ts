import request from 'supertest';
import { Client } from 'pg';
import { createTestApp, TestApp } from '../support/app';

describe('pool allocation under concurrency', () => {
  let t: TestApp;
  const admin = () => ({ Authorization: `Bearer ${t.adminKey}` });

  beforeAll(async () => {
    t = await createTestApp('alloc_concurrency');
  });
  afterAll(async () => {
    await t?.close();
  });

  it('20 parallel allocations of one server over 10 free servers: exactly 10 succeed, the rest 409 free pool empty', async () => {
    for (let i = 0; i < 10; i++) {
      expect((await request(t.url).post('/v1/servers').set(admin()).send({ name: `c-${i}`, host: '127.0.0.1', port: 10000 + i })).status).toBe(201);
    }
    const a = (await request(t.url).post('/v1/services').set(admin()).send({ name: 'svc-a', match: { pathPrefix: '/a' }, scaling: { min: 0, max: 20 } })).body;
    const b = (await request(t.url).post('/v1/services').set(admin()).send({ name: 'svc-b', match: { pathPrefix: '/b' }, scaling: { min: 0, max: 20 } })).body;
    // Two services compete, so a server landing in both would show up as a double allocation.
    const calls = Array.from({ length: 20 }, (_, i) => request(t.url).post(`/v1/services/${i % 2 ? a.id : b.id}/pool/allocate`).set(admin()).send({ count: 1 }));
    const results = await Promise.all(calls);
    const ok = results.filter((r) => r.status === 200);
    const conflicts = results.filter((r) => r.status === 409);
    expect(ok).toHaveLength(10);
    expect(conflicts).toHaveLength(10);
    for (const c of conflicts) expect(c.body.type).toContain('free-pool-empty');
    const claimed = ok.map((r) => r.body.servers[0].id as string);
    expect(new Set(claimed).size).toBe(10);
    const db = new Client({ connectionString: t.databaseUrl });
    await db.connect();
    try {
      const rows = (await db.query(`SELECT service_id, count(*)::int AS n FROM server GROUP BY service_id`)).rows as { service_id: string | null; n: number }[];
      expect(rows.reduce((s, r) => s + r.n, 0)).toBe(10);
      expect(rows.find((r) => r.service_id === null)).toBeUndefined();
      // Each server's audit trail shows exactly one allocation.
      const allocs = (await db.query(`SELECT target_id, count(*)::int AS n FROM audit_entry WHERE action = 'server.allocating' GROUP BY target_id`)).rows as { n: number }[];
      expect(allocs).toHaveLength(10);
      expect(allocs.every((r) => r.n === 1)).toBe(true);
    } finally {
      await db.end();
    }
  });
});
