import request from 'supertest';
import { Client } from 'pg';
import { decodeConfigXml } from '../../libs/protocol/src/config-codec';
import { sampleReport } from '../../libs/protocol/src/report-sample';
import { createTestApp, TestApp, waitFor } from '../support/app';

/** The management side of configuration delivery, with the test acting as the agent over HTTP. */
describe('updates: revisions, long poll, acks, rollback', () => {
  let a: TestApp;
  let b: TestApp;
  const env = { REVISION_DEBOUNCE_MS: '50', UPDATE_ACK_TIMEOUT_MS: '1500', UPDATE_MAX_ATTEMPTS: '1' };
  const admin = () => ({ Authorization: `Bearer ${a.adminKey}` });

  beforeAll(async () => {
    a = await createTestApp('updates', env);
    // A second replica on the same database and Redis prefix.
    b = await createTestApp('updates', env, a.databaseUrl);
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  const enrol = async (name: string) => {
    const res = await request(a.url).post('/v1/agents/enrol').send({ token: await a.enrolmentToken(), name });
    expect(res.status).toBe(201);
    return { id: res.body.id as string, auth: { Authorization: `Bearer ${res.body.credential}` } };
  };
  const poll = (url: string, agent: { id: string; auth: Record<string, string> }, after: number, wait: number, accept = 'application/json') =>
    request(url).get(`/v1/agents/${agent.id}/config`).query({ after, wait }).set(agent.auth).set('Accept', accept);

  it('delivers the first revision at once, in JSON or XML with the same content', async () => {
    const agent = await enrol('edge-first');
    const first = await poll(a.url, agent, 0, 5);
    expect(first.status).toBe(200);
    expect(first.headers['x-config-version']).toBe(String(first.body.version));
    expect(first.body).toMatchObject({ agentId: agent.id, settings: { reportIntervalMs: 5000 }, services: expect.any(Array) });
    const xml = await poll(a.url, agent, 0, 0, 'application/xml');
    expect(xml.headers['content-type']).toMatch(/application\/xml/);
    expect(decodeConfigXml(xml.text)).toEqual(first.body);
  });

  it('holds the poll, answers 304 when nothing changes, and wakes within a second on a change made through the other replica', async () => {
    const agent = await enrol('edge-wake');
    const v = (await poll(a.url, agent, 0, 5)).body.version as number;
    const t0 = Date.now();
    const idle = await poll(a.url, agent, v, 1);
    expect(idle.status).toBe(304);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(900);
    const held = poll(a.url, agent, v, 20);
    await new Promise((r) => setTimeout(r, 300));
    const changedAt = Date.now();
    expect((await request(b.url).post('/v1/services').set({ Authorization: `Bearer ${b.adminKey}` }).send({ name: 'woken', match: { pathPrefix: '/woken' } })).status).toBe(201);
    const res = await held;
    expect(res.status).toBe(200);
    expect(Date.now() - changedAt).toBeLessThan(1000);
    expect(res.body.version).toBeGreaterThan(v);
    expect(res.body.services.map((s: { name: string }) => s.name)).toContain('woken');
  });

  it('a burst of changes folds into few revisions', async () => {
    const agent = await enrol('edge-burst');
    const v = (await poll(a.url, agent, 0, 5)).body.version as number;
    await Promise.all(Array.from({ length: 8 }, (_, i) => request(a.url).post('/v1/services').set(admin()).send({ name: `burst-${i}`, match: { pathPrefix: `/burst-${i}` } })));
    const latest = await waitFor(async () => {
      const r = await poll(a.url, agent, v, 0);
      return r.status === 200 && r.body.services.filter((s: { name: string }) => s.name.startsWith('burst-')).length === 8 && r;
    });
    expect(latest.body.version - v).toBeLessThanOrEqual(3);
  });

  it('an applied ack with nothing to verify completes the update; the agent shows no lag', async () => {
    const agent = await enrol('edge-ack');
    const v = (await poll(a.url, agent, 0, 5)).body.version as number;
    const ack = await request(a.url).post(`/v1/agents/${agent.id}/config/acks`).set(agent.auth).send({ version: v, status: 'applied' });
    expect(ack.status).toBe(200);
    const shown = await request(a.url).get(`/v1/agents/${agent.id}`).set(admin());
    expect(shown.body).toMatchObject({ configVersion: v, latestVersion: v, revisionsBehind: 0 });
    const upd = await waitFor(async () => {
      const list = (await request(a.url).get('/v1/updates').set(admin())).body as { id: string; status: string; agents: { agentId: string; state: string }[] }[];
      return list.find((u) => u.agents.some((x) => x.agentId === agent.id && x.state === 'verified') && u.status === 'succeeded');
    });
    const one = await request(a.url).get(`/v1/updates/${upd.id}`).set(admin());
    expect(one.body.timeline.map((e: { event: string }) => e.event)).toEqual(expect.arrayContaining(['created', 'acked', 'verified', 'succeeded']));
    // A repeated ack is harmless; an ack for a version that does not exist is refused.
    expect((await request(a.url).post(`/v1/agents/${agent.id}/config/acks`).set(agent.auth).send({ version: v, status: 'applied' })).status).toBe(200);
    expect((await request(a.url).post(`/v1/agents/${agent.id}/config/acks`).set(agent.auth).send({ version: v + 100, status: 'applied' })).status).toBe(409);
    expect((await request(a.url).post(`/v1/agents/${agent.id}/config/acks`).set(agent.auth).send({ version: 'x', status: 'maybe' })).status).toBe(400);
  });

  it('a rejected revision is not re-sent, the update rolls back, the new server is quarantined, and a corrective revision follows', async () => {
    // Only this agent may serve the service, so the others' updates do not interfere.
    const agent = await enrol('edge-reject');
    const svc = (await request(a.url).post('/v1/services').set(admin()).send({ name: 'rejecting', match: { pathPrefix: '/rejecting' }, scaling: { min: 0, max: 5 } })).body;
    await request(a.url).post(`/v1/agents/${agent.id}/assignments`).set(admin()).send({ serviceId: svc.id });
    const before = await waitFor(async () => {
      const r = await poll(a.url, agent, 0, 0);
      return r.status === 200 && r.body.services.length === 1 && r;
    });
    await request(a.url).post(`/v1/agents/${agent.id}/config/acks`).set(agent.auth).send({ version: before.body.version, status: 'applied' });
    const server = (await request(a.url).post('/v1/servers').set(admin()).send({ name: 'bad-port', host: '127.0.0.1', port: 9 })).body;
    // Inject a port the agent must refuse, straight into the database, as the issue describes.
    // The API would never store it, so the document (port >= 1) rightly disagrees with what is served.
    a.contract.tolerate(/pollAgentConfig 200 does not match its schema: data\.services\[\d+\]\.backends\[\d+\]\.port should be >= 1/);
    b.contract.tolerate(/pollAgentConfig 200 does not match its schema: data\.services\[\d+\]\.backends\[\d+\]\.port should be >= 1/);
    const db = new Client({ connectionString: a.databaseUrl });
    await db.connect();
    try {
      await db.query('UPDATE server SET port = 0 WHERE id = $1', [server.id]);
    } finally {
      await db.end();
    }
    expect((await request(a.url).post(`/v1/services/${svc.id}/pool/allocate`).set(admin()).send({ serverIds: [server.id] })).status).toBe(200);
    const next = await poll(a.url, agent, before.body.version, 10);
    expect(next.status).toBe(200);
    expect(next.body.services[0].backends.map((x: { id: string }) => x.id)).toEqual([server.id]);
    const nack = await request(a.url).post(`/v1/agents/${agent.id}/config/acks`).set(agent.auth).send({ version: next.body.version, status: 'rejected', error: 'services.0.backends.0.port: port must not be less than 1' });
    expect(nack.status).toBe(200);
    const rolled = await waitFor(async () => {
      const list = (await request(a.url).get('/v1/updates').query({ status: 'rolled_back' }).set(admin())).body as { addedServerIds: string[]; error: string; agents: { agentId: string; state: string; error: string }[] }[];
      return list.find((u) => u.addedServerIds.includes(server.id));
    });
    expect(rolled.error).toContain('port must not be less than 1');
    expect(rolled.agents.find((x) => x.agentId === agent.id)).toMatchObject({ state: 'rejected', error: expect.stringContaining('port') });
    const quarantined = (await request(a.url).get(`/v1/servers/${server.id}`).set(admin())).body;
    expect(quarantined).toMatchObject({ state: 'quarantined', serviceId: null });
    const shown = (await request(a.url).get(`/v1/agents/${agent.id}`).set(admin())).body;
    expect(shown).toMatchObject({ rejectedVersion: next.body.version, rejectedError: expect.stringContaining('port'), configVersion: before.body.version });
    // The corrective revision no longer carries the faulty server, and the rejected one is never offered again.
    const corrective = await poll(a.url, agent, before.body.version, 10);
    expect(corrective.status).toBe(200);
    expect(corrective.body.version).toBeGreaterThan(next.body.version);
    expect(corrective.body.services[0].backends).toEqual([]);
    // No free server to replace it with: the replacement is recorded unfulfilled, with the reason.
    const unfulfilled = await waitFor(async () => {
      const items = (await request(a.url).get(`/v1/services/${svc.id}/decisions`).set(admin())).body.items as { action: string; status: string; outcome: string | null }[];
      return items.find((d) => d.action === 'replace' && d.status === 'unfulfilled');
    });
    expect(unfulfilled.outcome).toBe('free pool empty: no replacement for bad-port');
  });

  type Decision = { id: string; action: string; status: string; reason: string; outcome: string | null; serverIds: string[]; current: number; desired: number; evidence: Record<string, unknown> };
  const decisionsOf = async (serviceId: string) => (await request(a.url).get(`/v1/services/${serviceId}/decisions`).query({ limit: 100 }).set(admin())).body.items as Decision[];
  const poolOf = async (serviceId: string) => (await request(a.url).get(`/v1/services/${serviceId}/pool`).set(admin())).body.servers as { id: string; name: string; state: string }[];
  /** A service only this (test-driven) agent routes, and the agent's first revision acked. */
  const ownService = async (name: string, agentName: string) => {
    const agent = await enrol(agentName);
    const svc = (await request(a.url).post('/v1/services').set(admin()).send({ name, match: { pathPrefix: `/${name}` }, scaling: { min: 0, max: 5 } })).body as { id: string };
    await request(a.url).post(`/v1/agents/${agent.id}/assignments`).set(admin()).send({ serviceId: svc.id });
    const first = await waitFor(async () => {
      const r = await poll(a.url, agent, 0, 0);
      return r.status === 200 && r.body.services.length === 1 && r;
    });
    await request(a.url).post(`/v1/agents/${agent.id}/config/acks`).set(agent.auth).send({ version: first.body.version, status: 'applied' }).expect(200);
    return { agent, svc, version: first.body.version as number };
  };
  /** Waits for the agent's next revision that lists these backends, and answers it: nack, or ack plus a report showing them healthy. */
  let seq = 0;
  /**
   * Polls the next revision and answers it. With `skipEmpty`, revisions without a backend (a
   * rollback's corrective revision can reach the agent on its own, before the replacement's)
   * are applied on the way to the next one that has one.
   */
  const answer = async (agent: { id: string; auth: Record<string, string> }, after: number, serviceId: string, verdict: 'applied' | 'rejected', skipEmpty = false) => {
    let next = await poll(a.url, agent, after, 10);
    expect(next.status).toBe(200);
    for (let i = 0; skipEmpty && i < 3 && !(next.body.services[0]?.backends ?? []).length; i++) {
      await request(a.url).post(`/v1/agents/${agent.id}/config/acks`).set(agent.auth).send({ version: next.body.version, status: 'applied' }).expect(200);
      next = await poll(a.url, agent, next.body.version, 10);
      expect(next.status).toBe(200);
    }
    const backends = (next.body.services[0]?.backends ?? []) as { id: string }[];
    if (verdict === 'rejected') {
      await request(a.url).post(`/v1/agents/${agent.id}/config/acks`).set(agent.auth).send({ version: next.body.version, status: 'rejected', error: 'backend refused by the test agent' }).expect(200);
    } else {
      await request(a.url).post(`/v1/agents/${agent.id}/config/acks`).set(agent.auth).send({ version: next.body.version, status: 'applied' }).expect(200);
      await request(a.url).post(`/v1/agents/${agent.id}/reports`).set({ ...agent.auth, 'Content-Type': 'application/json' })
        .send(JSON.stringify({ reports: [sampleReport(agent.id, ++seq, new Date(), backends.map((b) => ({ serviceId, serverId: b.id, healthy: true })), 1000)] })).expect(200);
    }
    return { version: next.body.version as number, backendIds: backends.map((b) => b.id) };
  };

  it('a server quarantined by a rolled-back update is replaced from the free pool (policy selector honoured), and the service ends at its intended count', async () => {
    const { agent, svc, version } = await ownService('replacing', 'edge-replace');
    // The live policy's selector admits only tier=good; the decoy is older (claimed first without it).
    await request(a.url).post(`/v1/services/${svc.id}/policies`).set(admin()).send({ type: 'target-tracking', metric: 'inflight_per_server', target: 4, min: 0, selector: { labels: { tier: 'good' } } }).expect(201);
    const decoy = (await request(a.url).post('/v1/servers').set(admin()).send({ name: 'replace-decoy', host: '127.0.0.1', port: 9601, labels: { tier: 'other' } })).body;
    const bad = (await request(a.url).post('/v1/servers').set(admin()).send({ name: 'replace-bad', host: '127.0.0.1', port: 9602, labels: { tier: 'good' } })).body;
    const good = (await request(a.url).post('/v1/servers').set(admin()).send({ name: 'replace-good', host: '127.0.0.1', port: 9603, labels: { tier: 'good' } })).body;
    await request(a.url).post(`/v1/services/${svc.id}/pool/allocate`).set(admin()).send({ serverIds: [bad.id] }).expect(200);
    const failed = await answer(agent, version, svc.id, 'rejected');
    expect(failed.backendIds).toEqual([bad.id]);
    // The replacement's revision carries the good server instead; the agent takes it and reports it healthy.
    const ok = await answer(agent, failed.version, svc.id, 'applied', true);
    expect(ok.backendIds).toEqual([good.id]);
    const replaced = await waitFor(async () => (await decisionsOf(svc.id)).find((d) => d.action === 'replace'), 10_000);
    expect(replaced).toMatchObject({ status: 'fulfilled', current: 0, desired: 1, serverIds: [bad.id, good.id], evidence: expect.objectContaining({ trigger: 'update_rolled_back' }) });
    expect(replaced.reason).toMatch(/replace-bad quarantined: update [0-9a-f-]+ failed verification \(agent .* rejected revision .*backend refused by the test agent\)/);
    expect(replaced.outcome).toBe('replace-bad replaced by 1 free server(s)');
    await waitFor(async () => {
      const held = await poolOf(svc.id);
      return held.length === 1 && held[0].id === good.id && held[0].state === 'allocated';
    }, 10_000);
    expect((await request(a.url).get(`/v1/servers/${bad.id}`).set(admin())).body).toMatchObject({ state: 'quarantined', serviceId: null });
    expect((await request(a.url).get(`/v1/servers/${decoy.id}`).set(admin())).body).toMatchObject({ state: 'free' });
    const rolled = (await request(a.url).get('/v1/updates').query({ status: 'rolled_back' }).set(admin())).body.find((u: { addedServerIds: string[] }) => u.addedServerIds.includes(bad.id));
    expect(rolled.timeline.map((e: { event: string }) => e.event)).toEqual(expect.arrayContaining(['quarantined', 'replacement', 'rolled_back']));
    const db = new Client({ connectionString: a.databaseUrl });
    await db.connect();
    try {
      const types = (await db.query('SELECT type FROM event WHERE service_id = $1', [svc.id])).rows.map((r: { type: string }) => r.type);
      expect(types).toEqual(expect.arrayContaining(['server.quarantined', 'decision.replace', 'server.allocating', 'decision.fulfilled', 'server.allocated']));
    } finally {
      await db.end();
    }
  });

  it('replacements that fail verification too are replaced at most 3 times per service per hour; then the decision is unfulfilled with the reason', async () => {
    const { agent, svc, version } = await ownService('replace-loop', 'edge-loop');
    await request(a.url).post(`/v1/services/${svc.id}/policies`).set(admin()).send({ type: 'target-tracking', metric: 'inflight_per_server', target: 4, min: 0, selector: { labels: { tier: 'loop' } } }).expect(201);
    const servers = [];
    for (let i = 0; i < 6; i++) servers.push((await request(a.url).post('/v1/servers').set(admin()).send({ name: `loop-${i}`, host: '127.0.0.1', port: 9700 + i, labels: { tier: 'loop' } })).body as { id: string });
    await request(a.url).post(`/v1/services/${svc.id}/pool/allocate`).set(admin()).send({ serverIds: [servers[0].id] }).expect(200);
    let after = version;
    // Every revision that adds a server is refused: the first failure and three replacements.
    for (let i = 0; i < 4; i++) {
      const r = await answer(agent, after, svc.id, 'rejected', true);
      expect(r.backendIds).toHaveLength(1);
      after = r.version;
    }
    const limited = await waitFor(async () => (await decisionsOf(svc.id)).find((d) => d.action === 'replace' && d.status === 'unfulfilled'), 10_000);
    expect(limited.outcome).toBe('not replaced: 3 replacement(s) after failed updates for this service in the last hour (limit 3)');
    const all = (await decisionsOf(svc.id)).filter((d) => d.action === 'replace');
    expect(all.filter((d) => d.status === 'fulfilled')).toHaveLength(3);
    expect(all).toHaveLength(4);
    const states = await Promise.all(servers.map(async (s) => (await request(a.url).get(`/v1/servers/${s.id}`).set(admin())).body.state as string));
    expect(states.filter((x) => x === 'quarantined')).toHaveLength(4);
    expect(states.filter((x) => x === 'free')).toHaveLength(2);
    expect(await poolOf(svc.id)).toEqual([]);
  });

  it('serves one backend\'s connection configuration', async () => {
    const agent = await enrol('edge-backend');
    const svc = (await request(a.url).post('/v1/services').set(admin()).send({ name: 'backend-file', match: { pathPrefix: '/bf' } })).body;
    const server = (await request(a.url).post('/v1/servers').set(admin()).send({ name: 'bf-1', host: '127.0.0.1', port: 9555, weight: 3, maxConnections: 7 })).body;
    await request(a.url).post(`/v1/services/${svc.id}/pool/allocate`).set(admin()).send({ serverIds: [server.id] });
    const res = await waitFor(async () => {
      const r = await request(a.url).get(`/v1/agents/${agent.id}/config/backends/${server.id}`).set(agent.auth);
      return r.status === 200 && r;
    });
    expect(res.body).toMatchObject({ id: server.id, host: '127.0.0.1', port: 9555, weight: 3, maxConnections: 7, protocol: 'http' });
    const other = await enrol('edge-other');
    expect((await request(a.url).get(`/v1/agents/${agent.id}/config/backends/${server.id}`).set(other.auth)).status).toBe(403);
  });
});
