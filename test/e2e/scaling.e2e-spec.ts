import { Client } from 'pg';
import request from 'supertest';
import { killAll, RunningAgent, startAgent, startBackend } from '../agent/agent-harness';
import { createTestApp, TestApp, waitFor } from '../support/app';
import { Load, startReporter } from './scaling-support';

/**
 * Capacity on demand end to end: real demo backends as the free pool, a real agent enrolled with
 * the management API and serving the service, closed-loop load through the agent.
 * Phases: high load → scale out to the needed count in one decision; a steady load near the
 * target for 2 minutes (as the issue asks), noisy enough that single readings cross the tolerance
 * both ways → no flapping (at most one change); low load → scale in after the shortened
 * stabilisation window.
 */
describe('scaling end to end (e2e)', () => {
  let t: TestApp;
  let agent: RunningAgent;
  let reporter: { stop: () => Promise<void> };
  let load: Load;
  let serviceId: string;
  // Long enough that the client's own turnaround between requests (slower when another suite
  // shares the CPU) barely dents the in-flight count the analyser sees: 16 loops read as ≥ 13.
  const DELAY_MS = 250;
  const admin = () => ({ Authorization: `Bearer ${t.adminKey}` });

  beforeAll(async () => {
    t = await createTestApp('scaling', {
      AGENT_REPORT_INTERVAL_MS: '1000', ANALYSIS_INTERVAL_MS: '500', REVISION_DEBOUNCE_MS: '20', DRAIN_TIMEOUT_SECONDS: '5', UPDATE_ACK_TIMEOUT_MS: '8000', AGENT_ONLINE_SECONDS: '10',
    });
    const backends = await Promise.all(Array.from({ length: 5 }, () => startBackend()));
    for (const [i, b] of backends.entries()) {
      expect((await request(t.url).post('/v1/servers').set(admin()).send({ name: `demo-${i}`, host: '127.0.0.1', port: b.port, zone: `z${i % 2}` })).status).toBe(201);
    }
    const svc = await request(t.url).post('/v1/services').set(admin()).send({
      name: 'shop', match: { pathPrefix: '/' }, scaling: { min: 1, max: 5 }, latencyObjectiveMs: 500,
      healthCheck: { path: '/health', intervalMs: 200, timeoutMs: 150, healthyThreshold: 1, unhealthyThreshold: 2 },
    });
    serviceId = svc.body.id;
    agent = await startAgent(null, { MANAGEMENT_URL: t.url, ENROLMENT_TOKEN: await t.enrolmentToken(), HEARTBEAT_INTERVAL_MS: '1000', CONFIG_POLL_WAIT_SECONDS: '20' });
    reporter = startReporter(t.url, agent.stateDir, agent.adminPort, 1000);
    load = new Load(agent.url, DELAY_MS);
  }, 60_000);
  afterAll(async () => {
    await load?.stop();
    await reporter?.stop();
    await agent?.close();
    await killAll();
    await t?.close();
  });

  const holding = async () => ((await request(t.url).get(`/v1/services/${serviceId}/pool`).set(admin())).body.servers as { id: string; state: string }[]).filter((s) => s.state === 'allocated' || s.state === 'allocating');
  const allocated = async () => (await holding()).filter((s) => s.state === 'allocated').length;
  const decisions = async () => (await request(t.url).get(`/v1/services/${serviceId}/decisions`).query({ limit: 100 }).set(admin())).body.items as Array<{ action: string; status: string; current: number; desired: number; createdAt: string; reason: string; evidence: any }>;

  it('scales out to the needed count in one decision, holds steady near the target, scales in after the window; no request fails', async () => {
    await request(t.url).post(`/v1/services/${serviceId}/policies`).set(admin())
      .send({ type: 'target-tracking', metric: 'inflight_per_server', target: 4, scaleOutStabilizationSeconds: 3, scaleInStabilizationSeconds: 8, cooldownSeconds: 2 }).expect(201);
    // The minimum: one server, verified by the agent, serving.
    await waitFor(async () => (await allocated()) === 1, 20_000);
    await waitFor(async () => (await agent.pool.request({ path: '/', method: 'GET' }).then(async (r) => { await r.body.dump(); return r.statusCode; })) === 200, 10_000);

    // High: 16 requests in flight against a target of 4 per server → 4 servers, in one decision.
    load.set(16);
    const t0 = Date.now();
    await waitFor(async () => (await allocated()) === 4, 30_000, 200);
    const scaleOuts = (await decisions()).filter((d) => d.action === 'scale_out');
    expect(scaleOuts.map((d) => [d.current, d.desired])).toEqual([[1, 4], [0, 1]]);
    expect(scaleOuts[0].status).toBe('fulfilled');
    expect(scaleOuts[0].evidence.metric.value).toBeGreaterThanOrEqual(12);
    // Requests now spread over the four backends.
    load.servedBy.clear();
    await new Promise((r) => setTimeout(r, 1500));
    expect([...load.servedBy.values()].filter((n) => n > 5)).toHaveLength(4);
    console.log(`scale-out to 4 verified ${Date.now() - t0} ms after the load step`);

    // Steady near the target for 2 minutes, with noise that crosses the tolerance both ways: a 6 s
    // cycle of 16, 19, 16 and 12 requests in flight over 4 servers (4, 4.75, 4 and 3 per server;
    // the ±10 % band is 3.6–4.4). Each peak alone recommends 5 servers and each trough 3; the
    // stabilisation windows (scale-out 3 s: every recommendation in it must agree; scale-in 8 s:
    // the highest in it) are what keep the size. At most one change; checked every 10 s, so a
    // flap fails early and says when.
    const NOISE = [16, 19, 16, 12];
    let phase = 0;
    load.set(NOISE[0]);
    const noise = setInterval(() => load.set(NOISE[++phase % NOISE.length]), 1500);
    const steadyFrom = Date.now();
    const okBefore = load.ok;
    const acting = async () => (await decisions()).filter((d) => Date.parse(d.createdAt) >= steadyFrom && (d.action === 'scale_out' || d.action === 'scale_in'));
    try {
      while (Date.now() - steadyFrom < 120_000) {
        await new Promise((r) => setTimeout(r, 10_000));
        const during = await acting();
        expect({ afterSeconds: Math.round((Date.now() - steadyFrom) / 1000), changes: during.length, during }).toEqual({ afterSeconds: expect.any(Number), changes: expect.any(Number), during: during.slice(0, 1) });
      }
    } finally {
      clearInterval(noise);
    }
    // The noise really crossed the tolerance both ways: the analyser recommended more and fewer servers.
    const db = new Client({ connectionString: t.databaseUrl });
    await db.connect();
    const recommendations = async (since: number) => (await db.query(
      `SELECT r.at, r.recommended FROM scaling_recommendation r JOIN scaling_policy p ON p.id = r.policy_id WHERE p.service_id = $1 AND r.at >= $2 ORDER BY r.at`, [serviceId, new Date(since)],
    )).rows.map((r: { at: Date; recommended: number }) => ({ at: r.at.getTime(), recommended: Number(r.recommended) }));
    const steadyRecs = await recommendations(steadyFrom);
    const sizeAfterSteady = (await holding()).length;
    expect(steadyRecs.some((r) => r.recommended > sizeAfterSteady)).toBe(true);
    expect(steadyRecs.some((r) => r.recommended < sizeAfterSteady)).toBe(true);
    console.log(`steady 2 min: ${steadyRecs.length} recommendation changes (${[...new Set(steadyRecs.map((r) => r.recommended))].sort().join(', ')}), ${(await acting()).length} scale change(s)`);
    // The load really flowed throughout (a stalled agent would also show no decision).
    const steadyRequests = load.ok - okBefore;

    // Low: 4 in flight → one server, but only after the 8 s stabilisation window. The steady phase
    // ends on 2 s at the target, so the window holds a recommendation of the current size until the
    // low load shows.
    load.set(16);
    await new Promise((r) => setTimeout(r, 2000));
    load.set(4);
    const lowFrom = Date.now();
    await waitFor(async () => (await holding()).length === 1, 30_000, 200);
    // Scale-in acts on the highest recommendation of the window and waits (briefly) for the ones
    // made while the load was falling to age out, so it usually goes 4 → 1 at once; a noisy
    // in-flight gauge may still leave a 2 in the window. None comes early.
    const scaleIns = (await decisions()).filter((d) => d.action === 'scale_in').reverse();
    expect(scaleIns.length).toBeGreaterThanOrEqual(1);
    expect(scaleIns[0]).toMatchObject({ current: sizeAfterSteady, status: 'fulfilled' });
    expect(scaleIns[scaleIns.length - 1]).toMatchObject({ desired: 1, status: 'fulfilled' });
    // Not before the configured window: 8 s after the load fell, and 8 s after the last
    // recommendation of the current size gave way to a lower one.
    expect(Date.parse(scaleIns[0].createdAt) - lowFrom).toBeGreaterThanOrEqual(8000);
    // (A decision's createdAt is its transaction's start, a few ms before the evaluation's clock.)
    const recs = (await recommendations(steadyFrom)).filter((r) => r.at < Date.parse(scaleIns[0].createdAt));
    const lastHighEnd = recs.find((r, i) => r.recommended < sizeAfterSteady && i > 0 && recs[i - 1].recommended >= sizeAfterSteady && recs.slice(i).every((x) => x.recommended < sizeAfterSteady));
    await db.end();
    expect(lastHighEnd).toBeDefined();
    expect(Date.parse(scaleIns[0].createdAt) - lastHighEnd!.at).toBeGreaterThanOrEqual(8000 - 50);
    expect(scaleIns.every((d) => d.desired >= 1 && d.desired < d.current)).toBe(true);

    // The released servers drain and return to the free pool; no client request failed.
    await waitFor(async () => {
      const free = (await request(t.url).get('/v1/pools').set(admin())).body.free.servers as { state: string }[];
      return free.filter((s) => s.state === 'free').length === 4;
    }, 20_000, 200);
    await load.stop();
    expect({ failed: load.failed, failures: Object.fromEntries(load.failures) }).toEqual({ failed: 0, failures: {} });
    expect(load.ok).toBeGreaterThan(1000);
    expect(steadyRequests).toBeGreaterThan(1000);
  }, 300_000);
});
