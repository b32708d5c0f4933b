import { randomUUID } from 'node:crypto';
import { createServer, Server, Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { buildOpenApiDocument } from '../../scripts/openapi';
import { renderJson } from '../../scripts/openapi-document';
import { createTestApp, TestApp } from '../support/app';
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
    t = await createTestApp('contract-openapi');
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
  });

  it('the validator rejects a body the document does not describe', () => {
    expect(() => validator.validate('get', '/v1/servers/{id}', 200, 'application/json', { id: 'x', surprise: true })).toThrow(/does not match its schema/);
    expect(() => validator.validate('get', '/v1/servers/{id}', 418, 'application/json', {})).toThrow(/not documented/);
  });
});
