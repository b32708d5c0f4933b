import { createHmac } from 'node:crypto';
import { createServer, IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { createTestApp, TestApp, waitFor } from '../support/app';

interface Sse {
  id: string;
  event: string;
  data: { id: string; type: string; serviceId: string | null; data: Record<string, unknown> };
}

/** Reads an SSE response into `events` until aborted. */
function follow(url: string, key: string, lastEventId?: string) {
  const events: Sse[] = [];
  const abort = new AbortController();
  const done = (async () => {
    const res = await fetch(`${url}/v1/events?backlog=0`, { headers: { Authorization: `Bearer ${key}`, Accept: 'text/event-stream', ...(lastEventId ? { 'Last-Event-ID': lastEventId } : {}) }, signal: abort.signal });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
    const reader = res.body!.getReader();
    const dec = new TextDecoder();
    let buf = '';
    try {
      for (;;) {
        const { value, done: end } = await reader.read();
        if (end) break;
        buf += dec.decode(value, { stream: true });
        let cut: number;
        while ((cut = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, cut);
          buf = buf.slice(cut + 2);
          const f: Record<string, string> = {};
          for (const line of block.split('\n')) {
            const m = /^(id|event|data): (.*)$/.exec(line);
            if (m) f[m[1]] = m[2];
          }
          if (f.id) events.push({ id: f.id, event: f.event, data: JSON.parse(f.data) });
        }
      }
    } catch {
      // aborted
    }
  })();
  return { events, close: async () => { abort.abort(); await done; } };
}

describe('events: SSE stream and webhooks (e2e)', () => {
  let a: TestApp;
  let b: TestApp;
  let hook: Server;
  const received: Array<{ headers: IncomingMessage['headers']; body: string }> = [];
  let failFirst = true;
  const admin = () => ({ Authorization: `Bearer ${a.adminKey}` });

  beforeAll(async () => {
    a = await createTestApp('events', { REVISION_DEBOUNCE_MS: '20' });
    b = await createTestApp('events', { REVISION_DEBOUNCE_MS: '20' }, a.databaseUrl);
    hook = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        received.push({ headers: req.headers, body });
        // The first delivery fails, so the retry with backoff is exercised.
        if (failFirst) {
          failFirst = false;
          res.writeHead(503).end();
        } else res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
  });
  afterAll(async () => {
    hook?.close();
    await b?.close();
    await a?.close();
  });

  const makeChanges = async (prefix: string, n: number) => {
    const svc = (await request(a.url).post('/v1/services').set(admin()).send({ name: prefix, match: { pathPrefix: `/${prefix}` }, scaling: { min: 0, max: 10 } })).body;
    const ids: string[] = [];
    for (let i = 0; i < n; i++) ids.push((await request(a.url).post('/v1/servers').set(admin()).send({ name: `${prefix}-${i}`, host: '127.0.0.1', port: 30000 + i })).body.id);
    expect((await request(a.url).post(`/v1/services/${svc.id}/pool/allocate`).set(admin()).send({ serverIds: ids })).status).toBe(200);
    return { svc, ids };
  };

  it('refuses a stream without a key, and a malformed Last-Event-ID', async () => {
    expect((await request(a.url).get('/v1/events')).status).toBe(401);
    const bad = await request(a.url).get('/v1/events').set(admin()).set('Last-Event-ID', 'abc');
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].field).toBe('Last-Event-ID');
  });

  it('streams changes made on another replica, and resumes with Last-Event-ID without loss or repeats', async () => {
    const first = follow(b.url, b.readKey);
    await new Promise((r) => setTimeout(r, 300));
    const one = await makeChanges('sse-one', 3);
    await waitFor(async () => first.events.filter((e) => e.event === 'server.allocating').length === 3, 5000);
    await first.close();
    const allocating = first.events.filter((e) => e.event === 'server.allocating');
    expect(allocating.map((e) => e.data.data.serverId).sort()).toEqual([...one.ids].sort());
    expect(allocating.every((e) => e.data.serviceId === one.svc.id)).toBe(true);
    const lastId = first.events[first.events.length - 1].id;

    // Disconnected: more changes happen; a reconnect (to the other replica) resumes after lastId.
    const two = await makeChanges('sse-two', 2);
    const resumed = follow(a.url, a.readKey, lastId);
    await waitFor(async () => resumed.events.filter((e) => e.event === 'server.allocating').length === 2, 5000);
    await new Promise((r) => setTimeout(r, 300));
    await resumed.close();
    const ids = resumed.events.map((e) => BigInt(e.id));
    expect(ids.every((id) => id > BigInt(lastId))).toBe(true);
    expect(new Set(ids.map(String)).size).toBe(ids.length);
    expect([...ids].sort((x, y) => (x < y ? -1 : 1))).toEqual(ids);
    expect(resumed.events.filter((e) => e.event === 'server.allocating').map((e) => e.data.data.serverId).sort()).toEqual([...two.ids].sort());
  });

  it('webhooks: validated, HMAC-SHA256 signed, retried with backoff after a failure', async () => {
    const bad = await request(a.url).post('/v1/webhooks').set(admin()).send({ url: 'not a url', types: ['Bad Type'] });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: { field: string }) => e.field)).toEqual(expect.arrayContaining(['url', 'types']));
    const port = (hook.address() as AddressInfo).port;
    const created = await request(a.url).post('/v1/webhooks').set(admin()).send({ url: `http://127.0.0.1:${port}/hook`, types: ['server.*'] });
    expect(created.status).toBe(201);
    const secret = created.body.secret as string;
    expect(secret.length).toBeGreaterThanOrEqual(32);
    expect((await request(a.url).get('/v1/webhooks').set(admin())).body[0]).not.toHaveProperty('secret');

    const { ids } = await makeChanges('hooked', 1);
    // The allocation yields server.allocating and server.allocated; whichever is delivered first fails once.
    await waitFor(async () => received.find((r) => JSON.parse(r.body).data.serverId === ids[0] && JSON.parse(r.body).type === 'server.allocating'), 15_000);
    const ok = await waitFor(async () => received.find((r) => r.headers['x-headroom-attempt'] === '2' && JSON.parse(r.body).data.serverId === ids[0]), 15_000);
    const first = received.find((r) => r.headers['x-headroom-delivery'] === ok.headers['x-headroom-delivery'] && r.headers['x-headroom-attempt'] === '1');
    expect(first).toBeDefined();
    const ts = ok.headers['x-headroom-timestamp'] as string;
    expect(ok.headers['x-headroom-signature']).toBe('sha256=' + createHmac('sha256', secret).update(`${ts}.${ok.body}`).digest('hex'));
    expect(ok.headers['x-headroom-event']).toBe(JSON.parse(ok.body).type);
    // Only the subscribed types arrive.
    expect(received.every((r) => (r.headers['x-headroom-event'] as string).startsWith('server.'))).toBe(true);
    // Each delivery id once per attempt, even with two replicas feeding the queue.
    const attempts = received.filter((r) => r.headers['x-headroom-delivery'] === ok.headers['x-headroom-delivery']);
    expect(attempts.map((r) => r.headers['x-headroom-attempt'])).toEqual(['1', '2']);
    const shown = await waitFor(async () => {
      const w = (await request(a.url).get(`/v1/webhooks/${created.body.id}`).set(admin())).body;
      return w.lastStatus === 204 && w;
    }, 5000);
    expect(shown.lastError).toBeNull();
    expect((await request(a.url).patch(`/v1/webhooks/${created.body.id}`).set(admin()).send({ enabled: false })).body.enabled).toBe(false);
    expect((await request(a.url).delete(`/v1/webhooks/${created.body.id}`).set(admin())).status).toBe(204);
    expect((await request(a.url).get(`/v1/webhooks/${created.body.id}`).set(admin())).status).toBe(404);
  });
});
