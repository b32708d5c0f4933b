import { connect } from 'node:net';
import { request } from 'undici';
import { configDoc, DemoBackend, hit, killAll, RunningAgent, startAgent, startBackend, waitFor } from './agent-harness';

const N = 1000;

/** Writes `text` on a fresh connection and returns everything read until the server closes it. */
function rawExchange(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = connect(port, '127.0.0.1');
    let got = '';
    sock.on('data', (d) => {
      got += d.toString('latin1');
      const end = got.indexOf('\r\n\r\n');
      const len = /content-length: (\d+)/i.exec(got)?.[1];
      if (end >= 0 && len !== undefined && got.length >= end + 4 + Number(len)) sock.end();
    });
    sock.on('close', () => resolve(got));
    sock.on('error', reject);
    sock.write(text);
  });
}

/** Sends N sequential GETs and counts them per backend port. */
async function split(agent: RunningAgent, n = N): Promise<Map<number, number>> {
  const out = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const r = await hit(agent, '/');
    expect(r.status).toBe(200);
    out.set(r.servedBy!, (out.get(r.servedBy!) ?? 0) + 1);
  }
  return out;
}

/** Each backend's share is within 5% of the N requests of what its weight says. */
function expectShares(counts: Map<number, number>, backends: DemoBackend[], weights: number[]): void {
  const total = weights.reduce((a, b) => a + b, 0);
  const got = backends.map((b) => counts.get(b.port) ?? 0);
  const want = weights.map((w) => (N * w) / total);
  got.forEach((g, i) => expect(Math.abs(g - want[i])).toBeLessThanOrEqual(0.05 * N));
  expect(got.reduce((a, b) => a + b, 0)).toBe(N);
}

describe('agent data plane: routing and balancing', () => {
  let backends: DemoBackend[];
  let agent: RunningAgent;

  beforeAll(async () => {
    backends = await Promise.all([startBackend(), startBackend(), startBackend()]);
    agent = await startAgent(configDoc([{ algorithm: 'round_robin', backends: backends.map((b) => ({ port: b.port })) }]));
    await agent.waitHealthy(3);
  });
  afterAll(async () => {
    await agent?.close();
    await killAll();
  });

  it('round robin splits 1,000 requests evenly over three backends', async () => {
    expectShares(await split(agent), backends, [1, 1, 1]);
  });

  it('weighted round robin follows weights 1:2:3 (and applies hot via POST /admin/reload)', async () => {
    const r = await agent.reload(configDoc([{ algorithm: 'weighted_round_robin', backends: backends.map((b, i) => ({ port: b.port, weight: i + 1 })) }]));
    expect(r.status).toBe(200);
    expectShares(await split(agent), backends, [1, 2, 3]);
  });

  it('least request (P2C) splits evenly with equal weights', async () => {
    await agent.reload(configDoc([{ algorithm: 'least_request', backends: backends.map((b) => ({ port: b.port })) }]));
    expectShares(await split(agent), backends, [1, 1, 1]);
  });

  it('least request follows weights 1:1:3 at rest', async () => {
    await agent.reload(configDoc([{ algorithm: 'least_request', backends: backends.map((b, i) => ({ port: b.port, weight: i === 2 ? 3 : 1 })) }]));
    expectShares(await split(agent), backends, [1, 1, 3]);
  });

  it('least request sends less to a backend that is slow to answer', async () => {
    const slow = await startBackend(['--latency-ms', '40']);
    await agent.reload(configDoc([{ algorithm: 'least_request', backends: [{ port: backends[0].port }, { port: slow.port }] }]));
    await agent.waitHealthy(2);
    const counts = new Map<number, number>();
    // 8 concurrent clients: the slow backend holds its requests longer and P2C steers around it.
    await Promise.all(Array.from({ length: 8 }, async () => {
      for (let i = 0; i < 40; i++) {
        const r = await hit(agent, '/');
        counts.set(r.servedBy!, (counts.get(r.servedBy!) ?? 0) + 1);
      }
    }));
    expect(counts.get(slow.port) ?? 0).toBeLessThan((counts.get(backends[0].port) ?? 0) / 3);
    await slow.proc.kill();
  });

  it('routes by longest path prefix and by host with a leading wildcard; no match is a 404 problem', async () => {
    const [a, b, c] = backends;
    await agent.reload(configDoc([
      { name: 'api', match: { pathPrefix: '/api' }, backends: [{ port: a.port }] },
      { name: 'api-v2', match: { pathPrefix: '/api/v2' }, backends: [{ port: b.port }] },
      { name: 'shop', match: { host: '*.shop.test' }, backends: [{ port: c.port }] },
    ]));
    await agent.waitHealthy(3);
    expect((await hit(agent, '/api/users')).servedBy).toBe(a.port);
    expect((await hit(agent, '/api/v2/users')).servedBy).toBe(b.port);
    expect((await hit(agent, '/api/v2')).servedBy).toBe(b.port);
    expect((await hit(agent, '/', { host: 'eu.shop.test' })).servedBy).toBe(c.port);
    const miss = await hit(agent, '/nothing-here', { host: 'other.test' });
    expect(miss.status).toBe(404);
    expect(miss.headers['content-type']).toBe('application/problem+json');
    expect(JSON.parse(miss.body)).toMatchObject({ status: 404, title: expect.any(String), type: expect.stringContaining('no-route') });
    const apex = await hit(agent, '/other', { host: 'shop.test' });
    expect(apex.status).toBe(404);
  });

  it('a service with no healthy backend answers 503 problem with Retry-After', async () => {
    const dead = await startBackend();
    await agent.reload(configDoc([{ backends: [{ port: dead.port }] }]));
    await agent.waitHealthy(1);
    await dead.proc.kill();
    const r = await waitFor(async () => {
      const x = await hit(agent, '/');
      return x.status === 503 ? x : undefined;
    }, '503 after the only backend died');
    expect(r.headers['retry-after']).toMatch(/^\d+$/);
    expect(r.headers['content-type']).toBe('application/problem+json');
    expect(JSON.parse(r.body)).toMatchObject({ status: 503, type: expect.stringContaining('no-healthy-backend') });
  });

  it('respects maxConnections: requests over the limit get 503 with Retry-After instead of queueing', async () => {
    await agent.reload(configDoc([{ backends: [{ port: backends[0].port, maxConnections: 2 }] }]));
    await agent.waitHealthy(1);
    const results = await Promise.all(Array.from({ length: 4 }, (_, i) => new Promise((r) => setTimeout(r, i * 20)).then(() => hit(agent, '/?delay-ms=400'))));
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([200, 200, 503, 503]);
    expect(results.find((r) => r.status === 503)!.headers['retry-after']).toBe('1');
  });

  it('strips hop-by-hop headers both ways and sets X-Forwarded-* and X-Request-Id', async () => {
    await agent.reload(configDoc([{ backends: [{ port: backends[0].port }] }]));
    await agent.waitHealthy(1);
    // A raw socket: HTTP client libraries refuse to send most of these headers.
    const raw = await rawExchange(agent.proxyPort, [
      'GET /headers HTTP/1.1', 'Host: shop.example:8000', 'Connection: close, x-private', 'X-Private: secret', 'Keep-Alive: timeout=5', 'TE: trailers',
      'Proxy-Connection: keep-alive', 'X-Forwarded-For: 203.0.113.7', 'X-Forwarded-Proto: https', 'X-Request-Id: req-abc-1', '', '',
    ].join('\r\n'));
    const seen = JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4)) as { headers: Record<string, string> };
    expect(seen.headers['x-private']).toBeUndefined();
    expect(seen.headers['keep-alive']).toBeUndefined();
    expect(seen.headers['te']).toBeUndefined();
    expect(seen.headers['proxy-connection']).toBeUndefined();
    expect(seen.headers['x-forwarded-for']).toBe('203.0.113.7, 127.0.0.1');
    expect(seen.headers['x-forwarded-proto']).toBe('http');
    expect(seen.headers['x-forwarded-host']).toBe('shop.example:8000');
    expect(seen.headers['x-request-id']).toBe('req-abc-1');
    expect(raw).toMatch(/\r\nx-request-id: req-abc-1\r\n/i);

    const back = await hit(agent, '/hop-headers');
    expect(back.headers['x-end-to-end']).toBe('kept');
    expect(back.headers['x-hop']).toBeUndefined();
    expect(back.headers['keep-alive']).not.toBe('timeout=5');
  });

  it('passes WebSocket upgrades through as a tunnel', async () => {
    const sock = connect(agent.proxyPort, '127.0.0.1');
    let got = '';
    sock.on('data', (d) => (got += d.toString('latin1')));
    sock.write('GET /chat HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n');
    await waitFor(() => got.includes('\r\n\r\n'), '101 response');
    expect(got).toMatch(/^HTTP\/1\.1 101 /);
    expect(got).toContain('Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
    expect(got).toContain(`X-Served-By: ${backends[0].port}`);
    sock.write('ping-through-the-tunnel');
    await waitFor(() => got.endsWith('ping-through-the-tunnel'), 'echo through the tunnel');
    sock.destroy();
  });

  it('exposes per-backend counters and a latency histogram on /metrics', async () => {
    const res = await request(`http://127.0.0.1:${agent.adminPort}/metrics`);
    const text = await res.body.text();
    expect(res.statusCode).toBe(200);
    expect(text).toMatch(new RegExp(`headroom_backend_requests_total\\{service="svc-0",backend="b-${backends[0].port}"\\} [1-9]`));
    expect(text).toMatch(/headroom_backend_latency_seconds_bucket\{[^}]*le="\+Inf"\} [1-9]/);
    expect(text).toMatch(/headroom_agent_config_version \d+/);
    expect(text).toMatch(/headroom_agent_process_resident_memory_bytes/);
  });

  it('keeps serving the previous configuration when a reload is invalid', async () => {
    const before = (await agent.status()).configVersion;
    const r = await agent.reload({ version: 999, services: 'nope' });
    expect(r.status).toBe(400);
    expect(r.body.errors.length).toBeGreaterThan(0);
    expect((await agent.status()).configVersion).toBe(before);
    expect((await hit(agent, '/')).status).toBe(200);
  });
});
