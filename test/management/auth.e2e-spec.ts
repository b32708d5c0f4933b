import request from 'supertest';
import { Client } from 'pg';
import { createTestApp, TestApp } from '../support/app';

describe('auth, enrolment, agents, audit, health, queues', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp('auth');
  });
  afterAll(async () => {
    await t?.close();
  });

  it('needs a key on every endpoint but health and enrolment: 401 problem without one', async () => {
    for (const [method, path] of [['get', '/v1/servers'], ['post', '/v1/services'], ['get', '/v1/pools'], ['get', '/v1/agents'], ['get', '/v1/audit'], ['get', '/v1/queues'], ['post', '/v1/api-keys']] as const) {
      const res = await request(t.url)[method](path).send({});
      expect(res.status).toBe(401);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(res.headers['www-authenticate']).toContain('Bearer');
    }
    expect((await request(t.url).get('/v1/servers').set('Authorization', 'Bearer hrk_0000000000000000_' + 'a'.repeat(43))).status).toBe(401);
    expect((await request(t.url).get('/v1/servers').set('Authorization', 'Basic Zm9vOmJhcg==')).status).toBe(401);
    expect((await request(t.url).get('/health/live')).status).toBe(200);
  });

  it('enforces scopes: read keys read, only admin keys write (403 problem)', async () => {
    const read = { Authorization: `Bearer ${t.readKey}` };
    expect((await request(t.url).get('/v1/servers').set(read)).status).toBe(200);
    const w = await request(t.url).post('/v1/servers').set(read).send({ name: 'x', host: '127.0.0.1', port: 1 });
    expect(w.status).toBe(403);
    expect(w.body).toMatchObject({ status: 403, type: expect.stringContaining('forbidden') });
    expect((await request(t.url).get('/v1/audit').set(read)).status).toBe(403);
    expect((await request(t.url).post('/v1/api-keys').set(read).send({ scopes: ['admin'] })).status).toBe(403);
  });

  it('an admin creates and revokes API keys; only a hash is stored', async () => {
    const admin = { Authorization: `Bearer ${t.adminKey}` };
    const created = await request(t.url).post('/v1/api-keys').set(admin).send({ scopes: ['read'], name: 'ci' });
    expect(created.status).toBe(201);
    const key = created.body.key as string;
    expect(key).toMatch(/^hrk_/);
    expect((await request(t.url).get('/v1/pools').set('Authorization', `Bearer ${key}`)).status).toBe(200);
    const db = new Client({ connectionString: t.databaseUrl });
    await db.connect();
    try {
      const rows = (await db.query('SELECT * FROM api_key WHERE id = $1', [created.body.id])).rows;
      // The secret is everything after the second underscore (base64url may itself contain '_').
      const secret = key.split('_').slice(2).join('_');
      expect(secret).toHaveLength(43);
      expect(JSON.stringify(rows)).not.toContain(secret);
    } finally {
      await db.end();
    }
    expect((await request(t.url).delete(`/v1/api-keys/${created.body.id}`).set(admin)).status).toBe(204);
    expect((await request(t.url).get('/v1/pools').set('Authorization', `Bearer ${key}`)).status).toBe(401);
  });

  it('enrols an agent with a token: id and credential once, 401 for a bad token', async () => {
    const admin = { Authorization: `Bearer ${t.adminKey}` };
    const tok = await request(t.url).post('/v1/enrolment-tokens').set(admin).send({});
    expect(tok.status).toBe(201);
    expect(tok.body.token).toMatch(/^hret_/);
    const bad = await request(t.url).post('/v1/agents/enrol').send({ token: 'hret_0000000000000000_' + 'b'.repeat(43), name: 'edge-x' });
    expect(bad.status).toBe(401);
    const junk = await request(t.url).post('/v1/agents/enrol').send({ token: 'nonsense', name: 'edge-x' });
    expect(junk.status).toBe(401);
    const res = await request(t.url).post('/v1/agents/enrol').send({ token: tok.body.token, name: 'edge-1' });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ id: expect.stringMatching(/^[0-9a-f-]{36}$/), credential: expect.stringMatching(/^hrk_/) });
    const cred = { Authorization: `Bearer ${res.body.credential}` };
    // The agent credential heartbeats for itself only and cannot administer.
    const hb = await request(t.url).post(`/v1/agents/${res.body.id}/heartbeat`).set(cred).send({ address: '127.0.0.1:8000' });
    expect(hb.status).toBe(200);
    expect(hb.body).toMatchObject({ id: res.body.id, status: 'online', address: '127.0.0.1:8000', serviceIds: [] });
    const other = await request(t.url).post('/v1/agents/enrol').send({ token: tok.body.token, name: 'edge-2' });
    expect((await request(t.url).post(`/v1/agents/${other.body.id}/heartbeat`).set(cred).send({})).status).toBe(403);
    expect((await request(t.url).post('/v1/servers').set(cred).send({ name: 'x', host: 'h', port: 1 })).status).toBe(403);
    const list = await request(t.url).get('/v1/agents').set(admin);
    expect(list.body.map((a: { name: string }) => a.name)).toEqual(expect.arrayContaining(['edge-1', 'edge-2']));
  });

  it('expired and used-up enrolment tokens are refused', async () => {
    const once = await t.enrolmentToken({ maxUses: 1 });
    expect((await request(t.url).post('/v1/agents/enrol').send({ token: once, name: 'one' })).status).toBe(201);
    const second = await request(t.url).post('/v1/agents/enrol').send({ token: once, name: 'two' });
    expect(second.status).toBe(401);
    expect(second.body.detail).toContain('used up');
  });

  it('assigns an agent to a service and back; agents show online, stale or offline', async () => {
    const admin = { Authorization: `Bearer ${t.adminKey}` };
    const token = await t.enrolmentToken();
    const agent = (await request(t.url).post('/v1/agents/enrol').send({ token, name: 'edge-assign' })).body;
    const svc = (await request(t.url).post('/v1/services').set(admin).send({ name: 'assigned', match: { pathPrefix: '/a' } })).body;
    const a = await request(t.url).post(`/v1/agents/${agent.id}/assignments`).set(admin).send({ serviceId: svc.id });
    expect(a.status).toBe(200);
    expect(a.body.serviceIds).toEqual([svc.id]);
    const u = await request(t.url).delete(`/v1/agents/${agent.id}/assignments/${svc.id}`).set(admin);
    expect(u.body.serviceIds).toEqual([]);
    const db = new Client({ connectionString: t.databaseUrl });
    await db.connect();
    try {
      await db.query(`UPDATE agent SET last_seen_at = now() - interval '30 seconds' WHERE id = $1`, [agent.id]);
      expect((await request(t.url).get(`/v1/agents/${agent.id}`).set(admin)).body.status).toBe('stale');
      await db.query(`UPDATE agent SET last_seen_at = now() - interval '10 minutes' WHERE id = $1`, [agent.id]);
      expect((await request(t.url).get(`/v1/agents/${agent.id}`).set(admin)).body.status).toBe('offline');
      const offline = await request(t.url).get('/v1/agents').query({ status: 'offline' }).set(admin);
      expect(offline.body.map((x: { id: string }) => x.id)).toContain(agent.id);
    } finally {
      await db.end();
    }
  });

  it('reports readiness of PostgreSQL and Redis, and the queue counts', async () => {
    const ready = await request(t.url).get('/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.body.info).toMatchObject({ database: { status: 'up' }, redis: { status: 'up' } });
    const q = await request(t.url).get('/v1/queues').set('Authorization', `Bearer ${t.readKey}`);
    expect(q.status).toBe(200);
    expect(q.body.map((x: { name: string }) => x.name).sort()).toEqual(['allocation', 'analysis', 'telemetry', 'updates']);
  });

  it('sends problem+xml to clients that prefer XML', async () => {
    const res = await request(t.url).get('/v1/servers').set('Accept', 'application/xml');
    expect(res.status).toBe(401);
    expect(res.headers['content-type']).toMatch(/application\/problem\+xml/);
    expect(res.text).toContain('<status>401</status>');
  });

  it('echoes a sane X-Request-Id and records it in the audit log', async () => {
    const res = await request(t.url).post('/v1/servers').set('Authorization', `Bearer ${t.adminKey}`).set('X-Request-Id', 'req-audit-1').send({ name: 'rid-1', host: '127.0.0.1', port: 9999 });
    expect(res.headers['x-request-id']).toBe('req-audit-1');
    const audit = await request(t.url).get('/v1/audit').query({ targetId: res.body.id }).set('Authorization', `Bearer ${t.adminKey}`);
    expect(audit.body[0]).toMatchObject({ action: 'server.register', requestId: 'req-audit-1' });
  });
});
