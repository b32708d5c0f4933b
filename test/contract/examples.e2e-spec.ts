import { execFile, execFileSync } from 'node:child_process';
import { join } from 'node:path';
import request from 'supertest';
import { createTestApp, TestApp, waitFor } from '../support/app';

const ROOT = join(__dirname, '..', '..');

function node(script: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [join(ROOT, 'dist', 'examples', script), ...args], { env, timeout: 20_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
    });
  });
}

describe('examples/', () => {
  let t: TestApp;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', join(ROOT, 'examples', 'tsconfig.json')], { cwd: ROOT, stdio: 'pipe' });
    t = await createTestApp('contract-examples', { ANALYSIS_INTERVAL_MS: '250' });
    env = { PATH: process.env.PATH, HEADROOM_URL: t.url, HEADROOM_API_KEY: t.adminKey };
  });
  afterAll(async () => t?.close());

  it('register-fleet registers every CSV row, and a re-run skips the existing ones', async () => {
    const first = await node('register-fleet.js', [join(ROOT, 'examples', 'fleet.csv')], env);
    expect({ code: first.code, stderr: first.stderr }).toEqual({ code: 0, stderr: '' });
    expect(first.stdout.match(/^registered /gm)).toHaveLength(3);
    const servers = await request(t.url).get('/v1/servers').set('Authorization', `Bearer ${t.adminKey}`);
    const web3 = servers.body.items.find((s: { name: string }) => s.name === 'web-3');
    expect(web3).toMatchObject({ port: 9003, zone: 'b', weight: 2, labels: { tier: 'web', size: 'large' } });

    const again = await node('register-fleet.js', [join(ROOT, 'examples', 'fleet.csv')], env);
    expect(again.code).toBe(0);
    expect(again.stdout.match(/^exists /gm)).toHaveLength(3);
  });

  it('register-fleet exits 2 when the API rejects a row', async () => {
    const r = await node('register-fleet.js', [join(ROOT, 'examples', 'fleet.csv')], { ...env, HEADROOM_API_KEY: t.readKey });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/failed\s+web-1: 403/);
  });

  it('watch-decisions prints the analyser\'s decisions, and exits 2 on a 4xx', async () => {
    const admin = { Authorization: `Bearer ${t.adminKey}` };
    // A service below its minimum with a live policy: the analyser decides to scale it out.
    const svc = (await request(t.url).post('/v1/services').set(admin).send({ name: 'watched', match: { pathPrefix: '/' }, scaling: { min: 1, max: 1 } })).body;
    expect((await request(t.url).post(`/v1/services/${svc.id}/policies`).set(admin).send({ type: 'target-tracking', metric: 'inflight_per_server', target: 4 })).status).toBe(201);
    const decision = await waitFor(async () => (await request(t.url).get(`/v1/services/${svc.id}/decisions`).set(admin)).body.items?.[0], 20_000);
    const r = await node('watch-decisions.js', ['--once'], env);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    expect(r.stdout).toMatch(new RegExp(`^${decision.createdAt.replace(/[.]/g, '\\.')}\\s+watched\\s+scale_out\\s+0→1\\s+\\S+\\s+below the minimum`, 'm'));

    const refused = await node('watch-decisions.js', ['--once'], { ...env, HEADROOM_API_KEY: 'not-a-key' });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/^watch-decisions: 401 /);
  });
});
