import { randomUUID } from 'node:crypto';
import { createServer, Server, Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { sampleReport } from '../../libs/protocol/src/report-sample';
import { buildOpenApiDocument } from '../../scripts/openapi';
import { renderJson } from '../../scripts/openapi-document';
import { createServer as createHttpServer } from 'node:http';
import { createTestApp, TestApp, waitFor } from '../support/app';
import { recordContract } from '../support/contract';
import { loadCommittedDocument, METHODS, OpenApiDoc, ResponseValidator, servedRoutes } from './openapi-validator';

function documentedRoutes(doc: OpenApiDoc): string[] {
  return Object.entries(doc.paths)
    .flatMap(([path, item]) => Object.keys(item).filter((m) => METHODS.includes(m)).map((m) => `${m.toUpperCase()} ${path}`))
    .sort();
}

/** A TCP listener that counts connections: proof that nothing dials the database or Redis. */
async function tripwire(): Promise<{ port: number; connections: () => number; close: () => Promise<void> }> {
  let n = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((s) => {
    n += 1;
    sockets.add(s);
    s.destroy();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    connections: () => n,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

describe('OpenAPI contract', () => {
  let t: TestApp;
  let doc: OpenApiDoc;
  let validator: ResponseValidator;

  beforeAll(async () => {
    // The analyser runs, so a policy yields a decision to read back.
    t = await createTestApp('contract-openapi', { ANALYSIS_INTERVAL_MS: '250', REVISION_DEBOUNCE_MS: '20' });
    doc = loadCommittedDocument();
    validator = new ResponseValidator(doc);
  });
  afterAll(async () => t?.close());

  it('generates the committed document from the decorators without touching PostgreSQL or Redis', async () => {
    const db = await tripwire();
    const redis = await tripwire();
    try {
      const fresh = await buildOpenApiDocument({ DATABASE_URL: `postgres://x@127.0.0.1:${db.port}/x`, REDIS_URL: `redis://127.0.0.1:${redis.port}` });
      await new Promise((r) => setTimeout(r, 200)); // a lazy connect would land within this window
      expect(db.connections()).toBe(0);
      expect(redis.connections()).toBe(0);
      // Stale committed files are the drift `npm run check:generated` reports; fail here too with the fix.
      expect({ fresh: renderJson(fresh) === renderJson(doc as never), fix: 'run `npm run generate` and commit openapi/ and clients/' }).toEqual({ fresh: true, fix: expect.any(String) });
    } finally {
      await db.close();
      await redis.close();
    }
  });

  it('documents every route the app serves and serves every documented operation', () => {
    const served = servedRoutes(t);
    const documented = documentedRoutes(doc);
    expect(served.length).toBeGreaterThan(20);
    expect({ undocumented: served.filter((r) => !documented.includes(r)), unserved: documented.filter((r) => !served.includes(r)) }).toEqual({ undocumented: [], unserved: [] });
  });

  it('tells the truth about security: public operations answer without a key, the others say 401 problem+json', async () => {
    const wrong: string[] = [];
    for (const route of documentedRoutes(doc)) {
      const [method, template] = route.split(' ');
      const op = doc.paths[template][method.toLowerCase()];
      const url = template.replace(/\{[^}]+\}/g, () => randomUUID());
      const res = await request(t.url)[method.toLowerCase() as 'get'](url).send(method === 'GET' || method === 'DELETE' ? undefined : {});
      const isPublic = (op.security ?? []).length === 0;
      if (isPublic ? res.status === 401 : res.status !== 401) wrong.push(`${route}: security ${JSON.stringify(op.security)} but answered ${res.status} without a key`);
      if (!isPublic) validator.validate(method, template, res.status, String(res.headers['content-type']), res.body);
    }
    expect(wrong).toEqual([]);
  });

  it('real responses validate against the documented schemas', async () => {
    const auth = { Authorization: `Bearer ${t.adminKey}` };
    const checked = new Set<string>();
    const call = async (method: 'get' | 'post' | 'patch' | 'delete', template: string, params: Record<string, string> = {}, body?: object, key = t.adminKey) => {
      const url = template.replace(/\{([^}]+)\}/g, (_m, p: string) => params[p]);
      const res = await request(t.url)[method](url).set({ Authorization: `Bearer ${key}` }).send(body);
      checked.add(validator.validate(method, template, res.status, String(res.headers['content-type'] ?? ''), res.body));
      return res;
    };

    const server = await call('post', '/v1/servers', {}, { name: 'contract-1', host: '127.0.0.1', port: 9301, labels: { tier: 'web' }, zone: 'a' });
    expect(server.status).toBe(201);
    await call('post', '/v1/servers', {}, { name: 'contract-2', host: '127.0.0.1', port: 9302 });
    expect((await call('post', '/v1/servers', {}, { name: '', port: 'nope' })).status).toBe(400);
    expect((await call('get', '/v1/servers', {}, undefined)).status).toBe(200);
    expect((await call('get', '/v1/servers/{id}', { id: server.body.id })).status).toBe(200);
    expect((await call('get', '/v1/servers/{id}', { id: randomUUID() })).status).toBe(404);
    expect((await call('patch', '/v1/servers/{id}', { id: server.body.id }, { weight: 3 })).status).toBe(200);

    const service = await call('post', '/v1/services', {}, { name: 'contract-shop', match: { pathPrefix: '/' }, scaling: { min: 1, max: 5 } });
    expect(service.status).toBe(201);
    expect((await call('get', '/v1/services', {})).status).toBe(200);
    expect((await call('get', '/v1/services/{id}', { id: service.body.id })).status).toBe(200);
    expect((await call('post', '/v1/services/{id}/pool/allocate', { id: service.body.id }, { count: 1 })).status).toBe(200);
    expect((await call('post', '/v1/services/{id}/pool/allocate', { id: service.body.id }, { count: 5 })).status).toBe(409);
    expect((await call('get', '/v1/services/{id}/pool', { id: service.body.id })).status).toBe(200);
    expect((await call('get', '/v1/pools', {})).status).toBe(200);
    const pool = await request(t.url).get(`/v1/services/${service.body.id}/pool`).set(auth);
    const allocatedId = (pool.body.servers as Array<{ id: string }>)[0].id;
    expect((await call('post', '/v1/services/{id}/pool/deallocate', { id: service.body.id }, { serverIds: [allocatedId] })).status).toBe(200);

    const token = await call('post', '/v1/enrolment-tokens', {}, {});
    expect(token.status).toBe(201);
    const enrolled = await call('post', '/v1/agents/enrol', {}, { token: token.body.token, name: 'contract-edge' });
    expect(enrolled.status).toBe(201);
    expect((await call('post', '/v1/agents/{id}/heartbeat', { id: enrolled.body.id }, {}, enrolled.body.credential)).status).toBe(200);
    expect((await call('get', '/v1/agents', {})).status).toBe(200);
    expect((await call('get', '/v1/agents/{id}', { id: enrolled.body.id })).status).toBe(200);

    const key = await call('post', '/v1/api-keys', {}, { scopes: ['read'], name: 'contract' });
    expect(key.status).toBe(201);
    expect((await call('get', '/v1/api-keys', {})).status).toBe(200);
    expect((await call('post', '/v1/api-keys', {}, { scopes: ['read'] }, t.readKey)).status).toBe(403);
    expect((await call('get', '/v1/audit', {})).status).toBe(200);
    expect((await call('get', '/v1/queues', {})).status).toBe(200);
    expect((await call('get', '/health/live', {})).status).toBe(200);
    expect((await call('get', '/health/ready', {})).status).toBe(200);

    expect(checked.size).toBeGreaterThanOrEqual(20);

    // The rest of the document, each operation's success answer at least once. test/support/contract.ts
    // checks each response against the document as it leaves the server; `call` checks it here too.
    const del = (template: string, params: Record<string, string>) => call('delete', template, params);
    const retiring = await call('post', '/v1/servers', {}, { name: 'contract-retire', host: '127.0.0.1', port: 9303 });
    expect((await call('post', '/v1/servers/{id}/state', { id: retiring.body.id }, { state: 'quarantined', reason: 'contract' })).status).toBe(200);
    expect((await call('post', '/v1/servers/{id}/retire', { id: retiring.body.id })).status).toBe(200);
    expect((await call('get', '/v1/servers/{id}/capabilities', { id: server.body.id })).status).toBe(200);
    expect((await call('patch', '/v1/services/{id}', { id: service.body.id }, { scaling: { min: 0, max: 4 } })).status).toBe(200);
    const doomed = await call('post', '/v1/services', {}, { name: 'contract-doomed', match: { pathPrefix: '/doomed' } });
    expect((await del('/v1/services/{id}', { id: doomed.body.id })).status).toBe(204);

    // Policies, and the decision the analyser takes on one: a service below its minimum scales out.
    await call('post', '/v1/servers', {}, { name: 'contract-3', host: '127.0.0.1', port: 9304 });
    const scaled = await call('post', '/v1/services', {}, { name: 'contract-scaled', match: { pathPrefix: '/scaled' }, scaling: { min: 1, max: 2 } });
    const policy = await call('post', '/v1/services/{id}/policies', { id: scaled.body.id }, { type: 'target-tracking', metric: 'inflight_per_server', target: 4 });
    expect(policy.status).toBe(201);
    const shadow = await call('post', '/v1/services/{id}/policies', { id: scaled.body.id }, { role: 'shadow', type: 'threshold', metric: 'p95_latency_ms', scaleOut: { comparison: '>', value: 300 } });
    expect(shadow.status).toBe(201);
    expect((await call('get', '/v1/services/{id}/policies', { id: scaled.body.id })).body).toHaveLength(2);
    expect((await call('get', '/v1/services/{id}/policies/{policyId}', { id: scaled.body.id, policyId: policy.body.id })).status).toBe(200);
    expect((await call('patch', '/v1/services/{id}/policies/{policyId}', { id: scaled.body.id, policyId: policy.body.id }, { scaleInStabilizationSeconds: 30 })).status).toBe(200);
    expect((await del('/v1/services/{id}/policies/{policyId}', { id: scaled.body.id, policyId: shadow.body.id })).status).toBe(204);
    const decisions = await waitFor(async () => {
      const res = await call('get', '/v1/services/{id}/decisions', { id: scaled.body.id });
      return res.body.items.length > 0 && res;
    }, 15_000);
    expect((await call('get', '/v1/services/{id}/decisions/{decisionId}', { id: scaled.body.id, decisionId: decisions.body.items[0].id })).status).toBe(200);

    // An agent: assignments, its configuration (long poll, one backend, ack) and telemetry.
    const agent = await call('post', '/v1/agents/enrol', {}, { token: (await call('post', '/v1/enrolment-tokens', {}, {})).body.token, name: 'contract-edge-2' });
    const cred = agent.body.credential as string;
    expect((await call('post', '/v1/agents/{id}/assignments', { id: agent.body.id }, { serviceId: scaled.body.id })).status).toBe(200);
    const config = await waitFor(async () => {
      const res = await call('get', '/v1/agents/{id}/config', { id: agent.body.id }, undefined, cred);
      return res.status === 200 && res.body.services.some((s: { backends: unknown[] }) => s.backends.length > 0) && res;
    }, 15_000);
    const backend = (config.body.services as Array<{ id: string; backends: Array<{ id: string }> }>).find((s) => s.backends.length)!;
    expect((await call('get', '/v1/agents/{id}/config/backends/{serverId}', { id: agent.body.id, serverId: backend.backends[0].id }, undefined, cred)).status).toBe(200);
    // Nothing newer than the latest revision: 304 (the analyser may still be allocating, so catch up first).
    let version = config.body.version as number;
    await waitFor(async () => {
      const res = await request(t.url).get(`/v1/agents/${agent.body.id}/config`).query({ after: version, wait: 0 }).set({ Authorization: `Bearer ${cred}` });
      if (res.status === 200) version = res.body.version;
      return res.status === 304;
    }, 15_000);
    expect((await call('post', '/v1/agents/{id}/config/acks', { id: agent.body.id }, { version, status: 'applied' }, cred)).status).toBe(200);
    const report = sampleReport(agent.body.id, 1, new Date(), [{ serviceId: backend.id, serverId: backend.backends[0].id }], 1000);
    const posted = await request(t.url).post(`/v1/agents/${agent.body.id}/reports`).set({ Authorization: `Bearer ${cred}`, 'Content-Type': 'application/json' }).send(JSON.stringify({ reports: [report] }));
    checked.add(validator.validate('post', '/v1/agents/{id}/reports', posted.status, String(posted.headers['content-type']), posted.body));
    expect(posted.status).toBe(200);
    expect((await call('get', '/v1/agents/{id}/backend-states', { id: agent.body.id })).status).toBe(200);
    expect((await call('get', '/v1/agents/{id}/capabilities', { id: agent.body.id })).status).toBe(200);
    const metrics = await request(t.url).get('/v1/metrics').query({ metric: 'requests', service: backend.id, groupBy: 'service', step: 10 }).set(auth);
    checked.add(validator.validate('get', '/v1/metrics', metrics.status, String(metrics.headers['content-type']), metrics.body));
    expect(metrics.status).toBe(200);
    const prometheus = await request(t.url).get('/metrics').set(auth);
    expect(prometheus.status).toBe(200);
    expect(prometheus.headers['content-type']).toMatch(/^text\/plain/);
    expect((await call('delete', '/v1/agents/{id}/assignments/{serviceId}', { id: agent.body.id, serviceId: scaled.body.id })).status).toBe(200);
    expect((await del('/v1/agents/{id}', { id: agent.body.id })).status).toBe(204);

    // The change history those steps left behind.
    const updates = await call('get', '/v1/updates', {});
    expect(updates.body.length).toBeGreaterThan(0);
    expect((await call('get', '/v1/updates/{id}', { id: updates.body[0].id })).status).toBe(200);

    // Webhooks (nothing listens at the URL; deliveries fail quietly in the background) and API keys.
    const hook = await call('post', '/v1/webhooks', {}, { url: 'http://127.0.0.1:9/contract', types: ['server.*'] });
    expect(hook.status).toBe(201);
    expect((await call('get', '/v1/webhooks', {})).status).toBe(200);
    expect((await call('get', '/v1/webhooks/{id}', { id: hook.body.id })).status).toBe(200);
    expect((await call('patch', '/v1/webhooks/{id}', { id: hook.body.id }, { enabled: false })).status).toBe(200);
    expect((await del('/v1/webhooks/{id}', { id: hook.body.id })).status).toBe(204);
    expect((await del('/v1/api-keys/{id}', { id: key.body.id })).status).toBe(204);

    // The event stream: its media type is what can be checked of a stream that never ends.
    await new Promise<void>((resolve, reject) => {
      const req = request(t.url).get('/v1/events').set(auth).buffer(false).parse((res, done) => {
        expect(res.statusCode).toBe(200);
        expect(res.headers['content-type']).toMatch(/^text\/event-stream/);
        (res as unknown as { destroy: () => void }).destroy();
        done(null, null);
        resolve();
      });
      req.end((err) => (err && !/aborted|socket hang up|ECONNRESET/.test(String(err)) ? reject(err) : undefined));
    });
  });

  it('every operation in the document had its success response validated, but for a short, explicit list', async () => {
    // The stream's close reaches the recorder a moment after the client hangs up.
    const validated = await waitFor(async () => t.contract.validated().has('streamEvents') && t.contract.validated(), 5000).catch(() => t.contract.validated());
    const missing = t.contract.operations().filter((op) => !validated.has(op));
    // A new endpoint lands here until this suite (or any suite, via test/support/contract.ts) drives it.
    expect(missing).toEqual([]);
    expect(t.contract.violations()).toEqual([]);
  });

  it('the recorder every e2e suite runs with fails a response the document does not describe', async () => {
    const bodies: Record<string, string> = { '/v1/pools': '[{"surprise":true}]', '/v1/servers': '{"items":"not an array"}' };
    const srv = createHttpServer((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(bodies[req.url ?? ''] ?? '{}');
    });
    const recorder = recordContract(srv);
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(srv.address() as AddressInfo).port}`;
      await request(url).get('/v1/pools');
      await request(url).get('/v1/servers');
      await request(url).get('/not/documented');
      await waitFor(async () => recorder.violations().length === 2, 2000);
      expect(recorder.violations().join('\n')).toMatch(/listPools 200 does not match[\s\S]*listServers 200 does not match/);
      expect([...recorder.validated()]).toEqual([]);
    } finally {
      await new Promise<void>((r) => srv.close(() => r()));
    }
  });

  it('the validator rejects a body the document does not describe', () => {
    expect(() => validator.validate('get', '/v1/servers/{id}', 200, 'application/json', { id: 'x', surprise: true })).toThrow(/does not match its schema/);
    expect(() => validator.validate('get', '/v1/servers/{id}', 418, 'application/json', {})).toThrow(/not documented/);
  });
});
