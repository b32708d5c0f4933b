import request from 'supertest';
import { createTestApp, TestApp } from '../support/app';

describe('scaling policies API (e2e)', () => {
  let t: TestApp;
  let svc: { id: string };
  const admin = () => ({ Authorization: `Bearer ${t.adminKey}` });
  const read = () => ({ Authorization: `Bearer ${t.readKey}` });

  beforeAll(async () => {
    // No scheduler: this suite is about the API, not the analyser.
    t = await createTestApp('policies', { ANALYSIS_INTERVAL_MS: '0' });
    svc = (await request(t.url).post('/v1/services').set(admin()).send({ name: 'api', match: { pathPrefix: '/api' }, scaling: { min: 1, max: 6 } })).body;
  });
  afterAll(async () => t?.close());

  it('creates, reads, changes and deletes a policy; one live and one shadow per service', async () => {
    const created = await request(t.url).post(`/v1/services/${svc.id}/policies`).set(admin()).send({ type: 'target-tracking', metric: 'rps_per_server', target: 100, min: 2, max: 6, maxAddPerMinute: 3 });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ serviceId: svc.id, role: 'live', type: 'target-tracking', metric: 'rps_per_server', target: 100, min: 2, max: 6, maxAddPerMinute: 3, scaleOut: null });
    expect((await request(t.url).post(`/v1/services/${svc.id}/policies`).set(admin()).send({ type: 'target-tracking', metric: 'cpu', target: 60 })).status).toBe(409);
    const shadow = await request(t.url).post(`/v1/services/${svc.id}/policies`).set(admin()).send({ role: 'shadow', type: 'threshold', metric: 'p95_latency_ms', scaleOut: { comparison: '>', value: 300 }, scaleIn: { comparison: '<', value: 100 } });
    expect(shadow.status).toBe(201);
    expect(shadow.body.scaleOut).toEqual({ comparison: '>', value: 300, forSeconds: 10, step: 1 });
    const list = await request(t.url).get(`/v1/services/${svc.id}/policies`).set(read());
    expect(list.body.map((p: { role: string }) => p.role)).toEqual(['live', 'shadow']);
    const patched = await request(t.url).patch(`/v1/services/${svc.id}/policies/${created.body.id}`).set(admin()).send({ scaleInStabilizationSeconds: 30, dryRun: true });
    expect(patched.body).toMatchObject({ scaleInStabilizationSeconds: 30, dryRun: true, target: 100 });
    expect((await request(t.url).get(`/v1/services/${svc.id}/policies/${created.body.id}`).set(read())).body.dryRun).toBe(true);
    expect((await request(t.url).delete(`/v1/services/${svc.id}/policies/${created.body.id}`).set(read())).status).toBe(403);
    expect((await request(t.url).delete(`/v1/services/${svc.id}/policies/${created.body.id}`).set(admin())).status).toBe(204);
    expect((await request(t.url).get(`/v1/services/${svc.id}/policies/${created.body.id}`).set(read())).status).toBe(404);
    const audit = (await request(t.url).get('/v1/audit').query({ limit: 20 }).set(admin())).body as { action: string }[];
    expect(audit.map((e) => e.action)).toEqual(expect.arrayContaining(['policy.create', 'policy.update', 'policy.delete']));
  });

  it.each([
    ['no type', { metric: 'cpu', target: 1 }, ['type']],
    ['an unknown metric', { type: 'target-tracking', metric: 'vibes', target: 1 }, ['metric']],
    ['target tracking without a target', { type: 'target-tracking', metric: 'cpu' }, ['target']],
    ['a threshold policy without rules', { type: 'threshold', metric: 'cpu' }, ['scaleOut']],
    ['rules that would flap', { type: 'threshold', metric: 'cpu', scaleOut: { comparison: '>', value: 50 }, scaleIn: { comparison: '<', value: 60 } }, ['scaleIn.value']],
    ['a bad rule', { type: 'threshold', metric: 'cpu', scaleOut: { comparison: '=>', value: -1, step: 0 } }, ['scaleOut.comparison', 'scaleOut.value', 'scaleOut.step']],
    ['min above max', { type: 'target-tracking', metric: 'cpu', target: 50, min: 5, max: 3 }, ['min']],
    ['max above the service bound', { type: 'target-tracking', metric: 'cpu', target: 50, max: 7 }, ['max']],
    ['tolerance over 1 and an unknown field', { type: 'target-tracking', metric: 'cpu', target: 50, tolerance: 2, colour: 'red' }, ['tolerance', 'colour']],
    ['a string where a number belongs', { type: 'target-tracking', metric: 'cpu', target: '50' }, ['target']],
  ])('refuses %s with a 400 naming the fields', async (_name, body, fields) => {
    const res = await request(t.url).post(`/v1/services/${svc.id}/policies`).set(admin()).send(body);
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.body.errors.map((e: { field: string }) => e.field)).toEqual(expect.arrayContaining(fields));
  });

  it('404 for an unknown service, 400 for a malformed id', async () => {
    expect((await request(t.url).get('/v1/services/00000000-0000-4000-8000-000000000000/policies').set(read())).status).toBe(404);
    expect((await request(t.url).get('/v1/services/nope/policies').set(read())).status).toBe(400);
    expect((await request(t.url).get('/v1/services/00000000-0000-4000-8000-000000000000/decisions').set(read())).status).toBe(404);
  });
});
