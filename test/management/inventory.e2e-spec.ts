import request from 'supertest';
import { createTestApp, TestApp, waitFor } from '../support/app';

describe('inventory: servers, services, pools', () => {
  let t: TestApp;
  const admin = () => ({ Authorization: `Bearer ${t.adminKey}` });

  beforeAll(async () => {
    t = await createTestApp('inventory');
  });
  afterAll(async () => {
    await t?.close();
  });

  const addServer = async (body: Record<string, unknown>) => {
    const res = await request(t.url).post('/v1/servers').set(admin()).send(body);
    expect(res.status).toBe(201);
    return res.body as { id: string; name: string; state: string; serviceId: string | null };
  };

  describe('servers', () => {
    it('registers with the smallest body and fills defaults', async () => {
      const s = await addServer({ name: 'web-1', host: '127.0.0.1', port: 9001 });
      expect(s).toMatchObject({ name: 'web-1', host: '127.0.0.1', port: 9001, protocol: 'http', weight: 1, labels: {}, zone: null, state: 'free', serviceId: null });
      expect(s.id).toMatch(/^[0-9a-f-]{36}$/);
      const got = await request(t.url).get(`/v1/servers/${s.id}`).set(admin());
      expect(got.status).toBe(200);
      expect(got.body.name).toBe('web-1');
    });

    it('rejects a duplicate name with 409', async () => {
      await addServer({ name: 'dup-1', host: '127.0.0.1', port: 9101 });
      const res = await request(t.url).post('/v1/servers').set(admin()).send({ name: 'dup-1', host: '127.0.0.1', port: 9102 });
      expect(res.status).toBe(409);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    });

    it('answers bad bodies with 400 problem+json naming every field', async () => {
      const res = await request(t.url).post('/v1/servers').set(admin()).send({ name: '', host: 'bad host!', port: 70000, protocol: 'ftp', colour: 'red', labels: { __proto__x: 1 } });
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(res.body).toMatchObject({ status: 400, title: expect.any(String), type: expect.stringContaining('bad-request') });
      const fields = (res.body.errors as { field: string }[]).map((e) => e.field).sort();
      expect(fields).toEqual(expect.arrayContaining(['name', 'host', 'port', 'protocol', 'colour', 'labels']));
    });

    it('rejects an object where a scalar is expected, and nested unknown fields', async () => {
      const res = await request(t.url).post('/v1/servers').set(admin()).send({ name: { $gt: '' }, host: '127.0.0.1', port: '9001' });
      expect(res.status).toBe(400);
      expect((res.body.errors as { field: string }[]).map((e) => e.field)).toEqual(expect.arrayContaining(['name', 'port']));
    });

    it('answers malformed JSON with 400 problem+json', async () => {
      const res = await request(t.url).post('/v1/servers').set(admin()).set('Content-Type', 'application/json').send('{"name": ');
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    });

    it('updates attributes and records the change in the audit log', async () => {
      const s = await addServer({ name: 'upd-1', host: '127.0.0.1', port: 9201 });
      const res = await request(t.url).patch(`/v1/servers/${s.id}`).set(admin()).send({ weight: 5, labels: { tier: 'web' }, zone: 'z1' });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ weight: 5, labels: { tier: 'web' }, zone: 'z1' });
      const audit = await request(t.url).get('/v1/audit').query({ targetId: s.id }).set(admin());
      expect(audit.status).toBe(200);
      const upd = (audit.body as { action: string; before: { weight: number }; after: { weight: number }; actor: string }[]).find((e) => e.action === 'server.update');
      expect(upd).toMatchObject({ before: { weight: 1 }, after: { weight: 5 }, actor: 'key:test-admin' });
    });

    it('lists with state, service and label filters and pages with a cursor', async () => {
      for (let i = 0; i < 7; i++) await addServer({ name: `page-${i}`, host: '127.0.0.1', port: 9300 + i, labels: { group: 'paging', parity: i % 2 ? 'odd' : 'even' } });
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const q: Record<string, string | number> = { selector: 'group=paging', limit: 3 };
        if (cursor) q.cursor = cursor;
        const res = await request(t.url).get('/v1/servers').query(q).set(admin());
        expect(res.status).toBe(200);
        expect(res.body.items.length).toBeLessThanOrEqual(3);
        seen.push(...res.body.items.map((s: { name: string }) => s.name));
        cursor = res.body.nextCursor;
      } while (cursor);
      expect(seen).toEqual(['page-0', 'page-1', 'page-2', 'page-3', 'page-4', 'page-5', 'page-6']);
      const odd = await request(t.url).get('/v1/servers').query({ selector: 'group=paging,parity=odd' }).set(admin());
      expect(odd.body.items.map((s: { name: string }) => s.name)).toEqual(['page-1', 'page-3', 'page-5']);
      const bad = await request(t.url).get('/v1/servers').query({ cursor: 'garbage' }).set(admin());
      expect(bad.status).toBe(400);
      const badSel = await request(t.url).get('/v1/servers').query({ selector: 'no equals sign' }).set(admin());
      expect(badSel.status).toBe(400);
      expect(badSel.body.errors[0].field).toBe('selector');
    });

    it('retires a free server and hides it from the default list', async () => {
      const s = await addServer({ name: 'ret-1', host: '127.0.0.1', port: 9401 });
      const res = await request(t.url).post(`/v1/servers/${s.id}/retire`).set(admin());
      expect(res.status).toBe(200);
      expect(res.body.state).toBe('retired');
      const list = await request(t.url).get('/v1/servers').query({ state: 'retired' }).set(admin());
      expect(list.body.items.map((x: { id: string }) => x.id)).toContain(s.id);
      const live = await request(t.url).get('/v1/servers').query({ limit: 500 }).set(admin());
      expect(live.body.items.map((x: { id: string }) => x.id)).not.toContain(s.id);
      const again = await request(t.url).patch(`/v1/servers/${s.id}`).set(admin()).send({ weight: 2 });
      expect(again.status).toBe(409);
    });

    it('404s an unknown server and 400s a malformed id', async () => {
      expect((await request(t.url).get('/v1/servers/00000000-0000-4000-8000-000000000000').set(admin())).status).toBe(404);
      expect((await request(t.url).get('/v1/servers/not-a-uuid').set(admin())).status).toBe(400);
    });
  });

  describe('state machine', () => {
    let serviceId: string;
    beforeAll(async () => {
      const res = await request(t.url).post('/v1/services').set(admin()).send({ name: 'states', match: { pathPrefix: '/states' }, scaling: { min: 0, max: 50 } });
      serviceId = res.body.id;
    });

    const transition = (id: string, state: string) => request(t.url).post(`/v1/servers/${id}/state`).set(admin()).send({ state });

    it.each([
      ['free', 'allocated'],
      ['free', 'draining'],
      ['free', 'free'],
    ])('a %s server cannot go to %s (409 naming both states)', async (_from, to) => {
      const s = await addServer({ name: `sm-${to}-${Math.random().toString(36).slice(2, 8)}`, host: '127.0.0.1', port: 9500 });
      const res = await transition(s.id, to);
      expect(res.status).toBe(409);
      expect(res.body).toMatchObject({ from: 'free', to, type: expect.stringContaining('illegal-transition') });
      expect(res.body.detail).toContain(`from free to ${to}`);
    });

    it('an allocated server cannot be freed or retired directly, but can drain, and a retired one never moves', async () => {
      const s = await addServer({ name: 'sm-alloc', host: '127.0.0.1', port: 9501 });
      const alloc = await request(t.url).post(`/v1/services/${serviceId}/pool/allocate`).set(admin()).send({ serverIds: [s.id] });
      expect(alloc.status).toBe(200);
      expect(alloc.body.servers[0]).toMatchObject({ state: 'allocating', serviceId });
      // No agent routes to the service, so the updates module confirms the claim on its own.
      await waitFor(async () => (await request(t.url).get(`/v1/servers/${s.id}`).set(admin())).body.state === 'allocated');
      for (const to of ['free', 'retired', 'allocating', 'allocated']) {
        const res = await transition(s.id, to);
        expect(res.status).toBe(409);
        expect(res.body).toMatchObject({ from: 'allocated', to });
      }
      expect((await request(t.url).post(`/v1/servers/${s.id}/retire`).set(admin())).status).toBe(409);
      const q = await transition(s.id, 'quarantined');
      expect(q.status).toBe(200);
      expect(q.body).toMatchObject({ state: 'quarantined', serviceId: null });
      expect((await transition(s.id, 'allocated')).status).toBe(409);
      expect((await request(t.url).post(`/v1/servers/${s.id}/retire`).set(admin())).status).toBe(200);
      for (const to of ['free', 'quarantined', 'allocating']) {
        const res = await transition(s.id, to);
        expect(res.status).toBe(409);
        expect(res.body).toMatchObject({ from: 'retired', to });
      }
    });

    it('an unknown target state is a 400 naming the field', async () => {
      const s = await addServer({ name: 'sm-bad', host: '127.0.0.1', port: 9502 });
      const res = await transition(s.id, 'exploded');
      expect(res.status).toBe(400);
      expect(res.body.errors[0].field).toBe('state');
    });
  });

  describe('services', () => {
    it('creates with the smallest body, reads, updates, lists and deletes', async () => {
      const created = await request(t.url).post('/v1/services').set(admin()).send({ name: 'shop', match: { pathPrefix: '/' } });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ name: 'shop', match: { pathPrefix: '/' }, algorithm: 'round_robin', scaling: { min: 1, max: 10 }, healthCheck: { path: '/health' } });
      const id = created.body.id as string;
      const upd = await request(t.url).patch(`/v1/services/${id}`).set(admin()).send({ algorithm: 'least_request', scaling: { min: 1, max: 5 }, healthCheck: { intervalMs: 500, timeoutMs: 200 } });
      expect(upd.status).toBe(200);
      expect(upd.body).toMatchObject({ algorithm: 'least_request', scaling: { min: 1, max: 5 }, healthCheck: { path: '/health', intervalMs: 500, timeoutMs: 200 } });
      const list = await request(t.url).get('/v1/services').query({ name: 'shop' }).set(admin());
      expect(list.body.items).toHaveLength(1);
      expect((await request(t.url).delete(`/v1/services/${id}`).set(admin())).status).toBe(204);
      expect((await request(t.url).get(`/v1/services/${id}`).set(admin())).status).toBe(404);
    });

    it('validates nested fields and bounds', async () => {
      const res = await request(t.url).post('/v1/services').set(admin()).send({ name: 'Bad Name', match: { pathPrefix: 'no-slash', extra: 1 }, scaling: { min: -1 }, algorithm: 'random' });
      expect(res.status).toBe(400);
      const fields = (res.body.errors as { field: string }[]).map((e) => e.field);
      expect(fields).toEqual(expect.arrayContaining(['name', 'match.pathPrefix', 'match.extra', 'scaling.min', 'scaling.max', 'algorithm']));
      const inverted = await request(t.url).post('/v1/services').set(admin()).send({ name: 'inverted', match: { host: 'a.example' }, scaling: { min: 5, max: 2 } });
      expect(inverted.status).toBe(400);
      expect(inverted.body.errors[0].field).toBe('scaling.min');
      const noMatch = await request(t.url).post('/v1/services').set(admin()).send({ name: 'nomatch', match: {} });
      expect(noMatch.status).toBe(400);
    });

    it('pages services with a cursor', async () => {
      for (let i = 0; i < 5; i++) expect((await request(t.url).post('/v1/services').set(admin()).send({ name: `paged-${i}`, match: { pathPrefix: `/paged-${i}` } })).status).toBe(201);
      const names: string[] = [];
      let cursor: string | null = null;
      do {
        const q: Record<string, string | number> = { limit: 2 };
        if (cursor) q.cursor = cursor;
        const res = await request(t.url).get('/v1/services').query(q).set(admin());
        expect(res.status).toBe(200);
        expect(res.body.items.length).toBeLessThanOrEqual(2);
        names.push(...res.body.items.map((x: { name: string }) => x.name));
        cursor = res.body.nextCursor;
      } while (cursor);
      const paged = names.filter((n) => n.startsWith('paged-'));
      expect(paged).toEqual(['paged-0', 'paged-1', 'paged-2', 'paged-3', 'paged-4']);
      expect(new Set(names).size).toBe(names.length);
    });

    it('refuses to delete a service that still holds servers', async () => {
      const svc = (await request(t.url).post('/v1/services').set(admin()).send({ name: 'held', match: { host: '*.held.example' } })).body;
      const s = await addServer({ name: 'held-1', host: '127.0.0.1', port: 9601 });
      expect((await request(t.url).post(`/v1/services/${svc.id}/pool/allocate`).set(admin()).send({ serverIds: [s.id] })).status).toBe(200);
      const del = await request(t.url).delete(`/v1/services/${svc.id}`).set(admin());
      expect(del.status).toBe(409);
      expect(del.body.type).toContain('pool-not-empty');
    });
  });

  describe('pools', () => {
    it('allocates by count, shows the pools, and de-allocates back to the free pool', async () => {
      const svc = (await request(t.url).post('/v1/services').set(admin()).send({ name: 'pooled', match: { pathPrefix: '/pooled' }, scaling: { min: 0, max: 3 } })).body;
      const mine = [];
      for (let i = 0; i < 3; i++) mine.push(await addServer({ name: `pool-${i}`, host: '127.0.0.1', port: 9700 + i, labels: { pool: 'test' } }));
      const freeBefore = (await request(t.url).get('/v1/pools').set(admin())).body.free.servers.length;
      const alloc = await request(t.url).post(`/v1/services/${svc.id}/pool/allocate`).set(admin()).send({ count: 1 });
      expect(alloc.status).toBe(200);
      expect(alloc.body.servers).toHaveLength(1);
      expect(alloc.body.servers[0]).toMatchObject({ state: 'allocating', serviceId: svc.id });
      const pool = await waitFor(async () => {
        const p = await request(t.url).get(`/v1/services/${svc.id}/pool`).set(admin());
        return p.body.counts.allocated === 1 && p;
      });
      expect(pool.body).toMatchObject({ serviceId: svc.id, serviceName: 'pooled', counts: { allocated: 1 } });
      const pools = await request(t.url).get('/v1/pools').set(admin());
      expect(pools.body.free.servers.length).toBe(freeBefore - 1);
      expect(pools.body.services.find((p: { serviceId: string }) => p.serviceId === svc.id).servers).toHaveLength(1);
      const tooMany = await request(t.url).post(`/v1/services/${svc.id}/pool/allocate`).set(admin()).send({ count: 3 });
      expect(tooMany.status).toBe(409);
      expect(tooMany.body.type).toContain('scaling-bound');
      const both = await request(t.url).post(`/v1/services/${svc.id}/pool/allocate`).set(admin()).send({ count: 1, serverIds: [mine[0].id] });
      expect(both.status).toBe(400);
      // No agent routes to the service, so the drained server is back in the free pool at once.
      const dealloc = await request(t.url).post(`/v1/services/${svc.id}/pool/deallocate`).set(admin()).send({ count: 1 });
      expect(dealloc.status).toBe(200);
      expect(dealloc.body.servers[0]).toMatchObject({ state: 'free', serviceId: null });
      expect((await request(t.url).get(`/v1/services/${svc.id}/pool`).set(admin())).body.servers).toHaveLength(0);
      const notMine = await request(t.url).post(`/v1/services/${svc.id}/pool/deallocate`).set(admin()).send({ serverIds: [mine[1].id] });
      expect(notMine.status).toBe(409);
      // The service filter: a service's servers, and "none" for the free pool.
      const again = await request(t.url).post(`/v1/services/${svc.id}/pool/allocate`).set(admin()).send({ serverIds: [mine[2].id] });
      expect(again.status).toBe(200);
      const inService = await request(t.url).get('/v1/servers').query({ service: svc.id }).set(admin());
      expect(inService.body.items.map((x: { id: string }) => x.id)).toEqual([mine[2].id]);
      const free = await request(t.url).get('/v1/servers').query({ service: 'none', selector: 'pool=test' }).set(admin());
      expect(free.body.items.map((x: { id: string }) => x.id).sort()).toEqual([mine[0].id, mine[1].id].sort());
      const bad = await request(t.url).get('/v1/servers').query({ service: 'nope' }).set(admin());
      expect(bad.status).toBe(400);
    });
  });
});
