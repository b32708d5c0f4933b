import { Client } from 'pg';
import request from 'supertest';
import { cleanUpSuite, createTestApp, TestApp } from '../support/app';
import { freePort } from '../support/processes';
import { DemoBackend, hit, killAll, RunningAgent, startAgent, startBackend, waitFor } from './agent-harness';

/**
 * Dynamic configuration end to end: the real management API, a real agent process holding its
 * long poll, real demo backends, and client traffic through the agent while the pool changes.
 */
describe('dynamic configuration: management API → agent', () => {
  let t: TestApp;
  let port: number;
  let agent: RunningAgent;
  let backends: DemoBackend[];
  let serverIds: string[];
  let serviceId: string;
  const env = { REVISION_DEBOUNCE_MS: '50', UPDATE_ACK_TIMEOUT_MS: '8000', UPDATE_MAX_ATTEMPTS: '1', AGENT_REPORT_INTERVAL_MS: '1000', DRAIN_TIMEOUT_SECONDS: '10' };
  const admin = () => ({ Authorization: `Bearer ${t.adminKey}` });
  let token: string;

  // The first boot creates the suite's database; the tests that stop the API boot it again on the
  // same one, and such an app leaves the database and the Redis keys alone on close() (afterAll removes them).
  const boot = async () => createTestApp('agent_config', { ...env, PORT: String(port) }, t?.databaseUrl);
  const agentEnv = () => ({ MANAGEMENT_URL: t.url, ENROLMENT_TOKEN: token, HEARTBEAT_INTERVAL_MS: '500', CONFIG_POLL_WAIT_SECONDS: '5', REPORT_INTERVAL_MS: '1000', AGENT_NAME: 'edge-config' });
  const server = async (id: string) => (await request(t.url).get(`/v1/servers/${id}`).set(admin())).body as { state: string; serviceId: string | null };

  /** Steady traffic through the agent; counts every response that is not a 200. */
  const load = (concurrency = 4) => {
    let running = true;
    const seen = new Map<number, number>();
    const failures: string[] = [];
    let total = 0;
    const worker = async () => {
      while (running) {
        try {
          const r = await hit(agent, '/load-test');
          total++;
          if (r.status !== 200) failures.push(`${r.status} ${r.body.slice(0, 120)}`);
          else if (r.servedBy) seen.set(r.servedBy, (seen.get(r.servedBy) ?? 0) + 1);
        } catch (err) {
          failures.push(String(err));
        }
      }
    };
    const workers = Array.from({ length: concurrency }, worker);
    return {
      seen, failures, total: () => total,
      stop: async () => {
        running = false;
        await Promise.all(workers);
      },
    };
  };

  beforeAll(async () => {
    port = await freePort();
    t = await boot();
    token = await t.enrolmentToken();
    backends = await Promise.all([startBackend(), startBackend(), startBackend()]);
    serverIds = [];
    for (const b of backends) serverIds.push((await request(t.url).post('/v1/servers').set(admin()).send({ name: `cfg-${b.port}`, host: '127.0.0.1', port: b.port })).body.id);
    serviceId = (await request(t.url).post('/v1/services').set(admin()).send({ name: 'shop', match: { pathPrefix: '/' }, scaling: { min: 0, max: 5 }, healthCheck: { intervalMs: 300, timeoutMs: 200, healthyThreshold: 1, unhealthyThreshold: 2 } })).body.id;
    agent = await startAgent(null, agentEnv());
    await waitFor(async () => (await request(t.url).get('/v1/agents').set(admin())).body.some((a: { name: string; status: string }) => a.name === 'edge-config' && a.status === 'online'), 'agent enrolled');
  });

  afterAll(async () => {
    await agent?.close();
    await killAll();
    try {
      await t?.close();
    } finally {
      await cleanUpSuite('agent_config');
    }
  });

  it('allocate → the agent acks and serves the new server; de-allocate → drained and removed; 0 failed requests throughout', async () => {
    expect((await request(t.url).post(`/v1/services/${serviceId}/pool/allocate`).set(admin()).send({ serverIds: [serverIds[0]] })).status).toBe(200);
    await waitFor(async () => (await server(serverIds[0])).state === 'allocated', 'first server verified', 20_000, 100);
    await waitFor(async () => (await hit(agent)).servedBy === backends[0].port, 'first backend serving');

    const traffic = load();
    try {
      expect((await request(t.url).post(`/v1/services/${serviceId}/pool/allocate`).set(admin()).send({ serverIds: [serverIds[1]] })).status).toBe(200);
      await waitFor(async () => (await server(serverIds[1])).state === 'allocated', 'second server verified (acked and reported healthy)', 20_000, 100);
      await waitFor(() => (traffic.seen.get(backends[1].port) ?? 0) > 20, 'traffic reaching the second backend');
      const updates = (await request(t.url).get('/v1/updates').set(admin())).body as { addedServerIds: string[]; status: string; agents: { state: string }[] }[];
      expect(updates.find((u) => u.addedServerIds.includes(serverIds[1]))).toMatchObject({ status: 'succeeded', agents: [expect.objectContaining({ state: 'verified' })] });

      expect((await request(t.url).post(`/v1/services/${serviceId}/pool/deallocate`).set(admin()).send({ serverIds: [serverIds[1]] })).status).toBe(200);
      await waitFor(async () => (await server(serverIds[1])).state === 'free', 'second server drained back to the free pool', 20_000, 100);
      const before = traffic.seen.get(backends[1].port) ?? 0;
      const totalBefore = traffic.total();
      await waitFor(() => traffic.total() > totalBefore + 200, '200 more requests');
      expect(traffic.seen.get(backends[1].port) ?? 0).toBe(before);
    } finally {
      await traffic.stop();
    }
    expect(traffic.failures).toEqual([]);
    expect(traffic.total()).toBeGreaterThan(200);
    const shown = (await request(t.url).get('/v1/agents').set(admin())).body.find((a: { name: string }) => a.name === 'edge-config');
    expect(shown.revisionsBehind).toBe(0);
    expect(shown.configVersion).toBe(shown.latestVersion);
  });

  it('a revision the agent rejects (port 0 injected in the database) is nacked, the agent keeps serving, the update rolls back and the server is quarantined', async () => {
    const db = new Client({ connectionString: t.databaseUrl });
    await db.connect();
    try {
      await db.query('UPDATE server SET port = 0 WHERE id = $1', [serverIds[2]]);
    } finally {
      await db.end();
    }
    const versionBefore = (await agent.status()).configVersion;
    expect((await request(t.url).post(`/v1/services/${serviceId}/pool/allocate`).set(admin()).send({ serverIds: [serverIds[2]] })).status).toBe(200);
    const rolled = await waitFor(async () => {
      const list = (await request(t.url).get('/v1/updates').query({ status: 'rolled_back' }).set(admin())).body as { addedServerIds: string[]; error: string }[];
      return list.find((u) => u.addedServerIds.includes(serverIds[2]));
    }, 'update rolled back', 20_000, 100);
    expect(rolled.error).toMatch(/port/);
    expect(await server(serverIds[2])).toMatchObject({ state: 'quarantined', serviceId: null });
    const status = await agent.status();
    expect(status.configVersion).toBeGreaterThanOrEqual(versionBefore!);
    for (let i = 0; i < 20; i++) expect((await hit(agent)).status).toBe(200);
    const shown = (await request(t.url).get('/v1/agents').set(admin())).body.find((a: { name: string }) => a.name === 'edge-config');
    expect(shown.rejectedError).toMatch(/port/);
  });

  it('management API down for 30 s under load: 0 errors, and the agent catches up on the newest revision when it returns', async () => {
    const traffic = load();
    try {
      await t.app.close();
      // 30 s, as the issue asks: long enough for the agent's reconnect backoff to grow well past its start.
      await new Promise((r) => setTimeout(r, 30_000));
      expect(traffic.failures).toEqual([]);
      t = await boot();
      // A change made right after the API returns reaches the agent through its reconnected poll.
      await request(t.url).patch(`/v1/services/${serviceId}`).set(admin()).send({ algorithm: 'least_request' });
      await waitFor(async () => {
        const latest = (await request(t.url).get('/v1/agents').set(admin())).body.find((a: { name: string }) => a.name === 'edge-config');
        return latest.latestVersion !== null && (await agent.status()).configVersion === latest.latestVersion && latest.revisionsBehind === 0;
      }, 'agent on the newest revision', 30_000, 200);
    } finally {
      await traffic.stop();
    }
    expect(traffic.failures).toEqual([]);
  }, 90_000);

  it('an agent restarted while the management API is down serves its last good revision from disk', async () => {
    const stateDir = agent.stateDir;
    // What the last revision routes to: the service's servers as the API last showed them.
    const held = (await request(t.url).get(`/v1/services/${serviceId}/pool`).set(admin())).body.servers as Array<{ port: number; state: string }>;
    const ports = held.filter((s) => s.state === 'allocated').map((s) => s.port);
    expect(ports.length).toBeGreaterThan(0);
    await agent.close();
    await agent.proc.kill('SIGKILL');
    await t.app.close();
    agent = await startAgent(null, agentEnv(), stateDir);
    await waitFor(async () => (await hit(agent)).status === 200, 'restarted agent serving from disk');
    for (let i = 0; i < 5; i++) expect(ports).toContain((await hit(agent)).servedBy);
    t = await boot();
  });
});
