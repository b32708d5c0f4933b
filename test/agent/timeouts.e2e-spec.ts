import { request } from 'undici';
import { configDoc, DemoBackend, hit, killAll, RunningAgent, startAgent, startBackend, waitFor } from './agent-harness';

describe('agent data plane: timeouts, upstream failures and client aborts', () => {
  let backend: DemoBackend;
  let agent: RunningAgent;
  const backendLoad = async () => (await (await request(`http://127.0.0.1:${backend.port}/load`)).body.json()) as { inflight: number; requests: number };

  beforeAll(async () => {
    backend = await startBackend();
    agent = await startAgent(configDoc([{ backends: [{ port: backend.port }] }], { responseHeadersTimeoutMs: 300, outlierConsecutiveFailures: 100 }));
    await agent.waitHealthy(1);
  });
  afterAll(async () => {
    await agent?.close();
    await killAll();
  });

  it('answers 504 problem when the backend does not send its headers in time', async () => {
    const t0 = Date.now();
    const r = await hit(agent, '/?delay-ms=3000');
    expect(r.status).toBe(504);
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(r.headers['content-type']).toBe('application/problem+json');
    expect(JSON.parse(r.body)).toMatchObject({ status: 504, type: expect.stringContaining('upstream-timeout') });
  });

  it('cancels the backend request when the client goes away', async () => {
    await waitFor(async () => (await backendLoad()).inflight === 0, 'backend idle');
    const ac = new AbortController();
    const pending = agent.pool.request({ path: '/?delay-ms=250', method: 'GET', signal: ac.signal }).catch((err: Error) => err);
    await waitFor(async () => (await backendLoad()).inflight === 1, 'request in flight at the backend');
    ac.abort();
    await pending;
    // Without the cancel the backend would hold the request for its full delay.
    await waitFor(async () => (await backendLoad()).inflight === 0, 'backend request cancelled', 200, 10);
    const b = await waitFor(async () => {
      const s = await agent.backend(`b-${backend.port}`);
      return s && s.stats.errors.client_abort >= 1 ? s : undefined;
    }, 'client_abort counted');
    expect(b.inflight).toBe(0);
  });

  it('answers 502 problem for a POST to a backend that refuses connections, without retrying it', async () => {
    const dead = await startBackend();
    // A slow health check, so the agent still thinks the backend healthy when it dies.
    await agent.reload(configDoc([{ backends: [{ port: dead.port }], healthCheck: { intervalMs: 60_000 } }], { responseHeadersTimeoutMs: 300, outlierConsecutiveFailures: 100 }));
    await agent.waitHealthy(1);
    await dead.proc.kill();
    const res = await agent.pool.request({ path: '/', method: 'POST', body: 'x' });
    const body = (await res.body.json()) as { status: number; type: string };
    expect(res.statusCode).toBe(502);
    expect(body).toMatchObject({ status: 502, type: expect.stringContaining('bad-gateway') });
    const s = await agent.backend(`b-${dead.port}`);
    expect(s!.stats.retries).toBe(0);
  });
});
