import request from 'supertest';
import { Client } from 'pg';
import { sampleReport } from '../../libs/protocol/src/report-sample';
import { createTestApp, TestApp, waitFor } from '../support/app';

/**
 * Scale-in returns servers to the free pool once the agents report them drained — not by the
 * drain timeout, which here is ten minutes. The test acts as the one agent routing the service:
 * it long-polls its configuration, acks each revision and posts reports.
 */
describe('scale-in: drained servers return to the free pool (e2e)', () => {
  let a: TestApp;
  let db: Client;
  const env = { DRAIN_TIMEOUT_SECONDS: '600', DRAIN_SWEEP_MS: '200', REVISION_DEBOUNCE_MS: '20', ANALYSIS_INTERVAL_MS: '250', AGENT_REPORT_INTERVAL_MS: '1000' };
  const admin = () => ({ Authorization: `Bearer ${a.adminKey}` });

  beforeAll(async () => {
    a = await createTestApp('drain', env);
    db = new Client({ connectionString: a.databaseUrl });
    await db.connect();
  });
  afterAll(async () => {
    await db?.end();
    await a?.close();
  });

  type Agent = { id: string; auth: Record<string, string> };
  type Revision = { version: number; backendIds: string[] };
  const poll = (agent: Agent, after: number, wait: number) =>
    request(a.url).get(`/v1/agents/${agent.id}/config`).query({ after, wait }).set(agent.auth).set('Accept', 'application/json');
  /** Long-polls until a revision after `after` lists exactly these backends; acks it. */
  const takeRevision = async (agent: Agent, after: number, want: string[]): Promise<Revision> => {
    let version = after;
    return waitFor(async () => {
      const r = await poll(agent, version, 2);
      if (r.status === 304) return false;
      expect(r.status).toBe(200);
      version = r.body.version;
      await request(a.url).post(`/v1/agents/${agent.id}/config/acks`).set(agent.auth).send({ version, status: 'applied' }).expect(200);
      const backendIds = ((r.body.services[0]?.backends ?? []) as { id: string }[]).map((b) => b.id).sort();
      return JSON.stringify(backendIds) === JSON.stringify([...want].sort()) && { version, backendIds };
    }, 10_000, 0);
  };
  let seq = 0;
  const report = async (agent: Agent, backends: Array<{ serviceId: string; serverId: string; inFlight: number; draining?: boolean }>) => {
    await request(a.url).post(`/v1/agents/${agent.id}/reports`).set({ ...agent.auth, 'Content-Type': 'application/json' })
      .send(JSON.stringify({ reports: [sampleReport(agent.id, ++seq, new Date(), backends.map((b) => ({ healthy: true, draining: false, ...b })), 1000)] })).expect(200);
  };
  const server = async (id: string) => (await request(a.url).get(`/v1/servers/${id}`).set(admin())).body as { state: string; stateReason: string | null; serviceId: string | null };

  it('a scaled-in server is freed as soon as the agent\'s reports show it drained, long before the drain timeout; the reason says so', async () => {
    const enrolled = (await request(a.url).post('/v1/agents/enrol').send({ token: await a.enrolmentToken(), name: 'edge-drain' }).expect(201)).body;
    const agent: Agent = { id: enrolled.id, auth: { Authorization: `Bearer ${enrolled.credential}` } };
    const svc = (await request(a.url).post('/v1/services').set(admin()).send({ name: 'draining', match: { pathPrefix: '/draining' }, scaling: { min: 1, max: 3 } }).expect(201)).body as { id: string };
    await request(a.url).post(`/v1/agents/${agent.id}/assignments`).set(admin()).send({ serviceId: svc.id }).expect((r) => expect(r.status).toBeLessThan(300));
    let rev = await takeRevision(agent, 0, []);

    // Two servers, served and reported healthy by the agent → allocated.
    const ids: string[] = [];
    for (let i = 0; i < 2; i++) ids.push((await request(a.url).post('/v1/servers').set(admin()).send({ name: `drain-${i}`, host: '127.0.0.1', port: 23000 + i }).expect(201)).body.id);
    await request(a.url).post(`/v1/services/${svc.id}/pool/allocate`).set(admin()).send({ serverIds: ids }).expect(200);
    rev = await takeRevision(agent, rev.version, ids);
    await report(agent, ids.map((serverId) => ({ serviceId: svc.id, serverId, inFlight: 0 })));
    await waitFor(async () => (await Promise.all(ids.map(server))).every((s) => s.state === 'allocated'), 10_000);

    // 1 in flight per server against a target of 4: scale in to 1.
    await request(a.url).post(`/v1/services/${svc.id}/policies`).set(admin())
      .send({ type: 'target-tracking', metric: 'inflight_per_server', target: 4, scaleInStabilizationSeconds: 0, cooldownSeconds: 0 }).expect(201);
    let stop = false;
    const loop = (async () => {
      while (!stop) {
        await report(agent, ids.map((serverId) => ({ serviceId: svc.id, serverId, inFlight: 1 })));
        await new Promise((r) => setTimeout(r, 250));
      }
    })();
    let gone: string;
    try {
      gone = await waitFor(async () => (await Promise.all(ids.map(async (id) => ((await server(id)).state === 'draining' ? id : null)))).find((id) => id !== null), 10_000);
    } finally {
      stop = true;
      await loop;
    }
    const kept = ids.find((id) => id !== gone)!;
    const drainingSince = Date.now();
    const { rows: deadline } = await db.query(`SELECT extract(epoch FROM drain_deadline - now())::int AS s FROM server WHERE id = $1`, [gone]);
    expect(deadline[0].s).toBeGreaterThan(500);
    const [scaleIn] = ((await request(a.url).get(`/v1/services/${svc.id}/decisions`).set(admin())).body.items as { action: string; status: string; serverIds: string[] }[]).filter((d) => d.action === 'scale_in');
    expect(scaleIn).toMatchObject({ status: 'fulfilled', serverIds: [gone] });

    // The agent takes the revision without it and acks; its next report still shows the server
    // draining (requests in flight): not drained yet, so it stays draining.
    await takeRevision(agent, rev.version, [kept]);
    await report(agent, [{ serviceId: svc.id, serverId: kept, inFlight: 1 }, { serviceId: svc.id, serverId: gone, inFlight: 1, draining: true }]);
    await new Promise((r) => setTimeout(r, 1000));
    expect(await server(gone)).toMatchObject({ state: 'draining' });

    // The next report no longer carries it: drained → free, with the drained reason, not the timeout.
    await report(agent, [{ serviceId: svc.id, serverId: kept, inFlight: 1 }]);
    const freed = await waitFor(async () => { const s = await server(gone); return s.state === 'free' && s; }, 10_000);
    expect(Date.now() - drainingSince).toBeLessThan(30_000);
    expect(freed).toMatchObject({ serviceId: null, stateReason: expect.stringMatching(/^drained, verified by update [0-9a-f-]+$/) });
    const { rows: events } = await db.query(`SELECT data->>'reason' AS reason, data->>'from' AS "from" FROM event WHERE type = 'server.free' AND data->>'serverId' = $1`, [gone]);
    expect(events).toEqual([{ from: 'draining', reason: freed.stateReason }]);
    // The audit trail (which snapshots the state, not its reason): one move to free, by the system, from draining.
    const { rows: audit } = await db.query(`SELECT actor, before->>'state' AS "from" FROM audit_entry WHERE action = 'server.free' AND target_id = $1`, [gone]);
    expect(audit).toEqual([{ actor: 'system:updates', from: 'draining' }]);
    expect(await server(kept)).toMatchObject({ state: 'allocated', serviceId: svc.id });
  });
});
