import { randomUUID } from 'node:crypto';
import { configDoc, DemoBackend, killAll, RunningAgent, startAgent, startBackend, waitFor } from './agent-harness';

interface Outcome { method: string; id: string; status: number; at: number; servedBy: string | undefined }

describe('agent data plane: a backend killed mid-test', () => {
  let backends: DemoBackend[];
  let agent: RunningAgent;

  beforeAll(async () => {
    backends = await Promise.all([startBackend(['--log-requests']), startBackend(['--log-requests']), startBackend(['--log-requests'])]);
    agent = await startAgent(configDoc([{ algorithm: 'round_robin', backends: backends.map((b) => ({ port: b.port })) }], { outlierConsecutiveFailures: 3, outlierBaseEjectionMs: 60_000 }));
    await agent.waitHealthy(3);
  });
  afterAll(async () => {
    await agent?.close();
    await killAll();
  });

  it('once the dead backend is ejected no GET fails, and no POST is ever sent twice', async () => {
    const outcomes: Outcome[] = [];
    let running = true;
    const send = async (method: 'GET' | 'POST') => {
      const id = randomUUID();
      try {
        const res = await agent.pool.request({ path: '/', method, headers: { 'x-request-id': id }, body: method === 'POST' ? 'order=1' : undefined });
        await res.body.dump();
        outcomes.push({ method, id, status: res.statusCode, at: Date.now(), servedBy: res.headers['x-served-by'] as string | undefined });
      } catch {
        outcomes.push({ method, id, status: 0, at: Date.now(), servedBy: undefined });
      }
    };
    const worker = async (method: 'GET' | 'POST') => {
      while (running) await send(method);
    };
    const workers = [worker('GET'), worker('GET'), worker('GET'), worker('GET'), worker('POST'), worker('POST')];

    await waitFor(() => outcomes.length >= 300, '300 requests before the kill', 20_000);
    const victim = backends[1];
    await victim.proc.kill('SIGKILL');
    const killedAt = Date.now();
    const name = `b-${victim.port}`;
    await waitFor(async () => {
      const b = await agent.backend(name);
      return b && (b.ejected || b.health === 'unhealthy');
    }, 'the killed backend to be ejected or marked unhealthy');
    const ejectedAt = Date.now();
    await waitFor(() => outcomes.filter((o) => o.at > ejectedAt && o.method === 'GET').length >= 600, '600 GETs after ejection', 30_000);
    running = false;
    await Promise.all(workers);

    const after = outcomes.filter((o) => o.at > ejectedAt);
    expect(after.filter((o) => o.method === 'GET' && o.status !== 200)).toEqual([]);
    expect(after.filter((o) => o.servedBy === String(victim.port))).toEqual([]);
    expect(after.filter((o) => o.method === 'POST' && o.status !== 200)).toEqual([]);
    // Retries covered the window between the kill and the ejection too.
    const windowGets = outcomes.filter((o) => o.at >= killedAt && o.at <= ejectedAt && o.method === 'GET');
    expect(windowGets.filter((o) => o.status !== 200)).toEqual([]);

    // Every backend logged each POST's request id as it arrived (stdout is a pipe: written synchronously).
    const seen = new Map<string, number>();
    for (const b of backends) for (const line of b.proc.lines) {
      const m = /^POST (\S+)$/.exec(line);
      if (m) seen.set(m[1], (seen.get(m[1]) ?? 0) + 1);
    }
    const posts = outcomes.filter((o) => o.method === 'POST');
    expect(posts.length).toBeGreaterThan(100);
    expect([...seen.values()].filter((n) => n > 1)).toEqual([]);
    for (const p of posts.filter((o) => o.status === 200)) expect(seen.get(p.id)).toBe(1);
    const status = await agent.backend(name);
    expect(status!.stats.errors.connect_refused + status!.stats.errors.upstream_reset).toBeGreaterThan(0);
  });
});
