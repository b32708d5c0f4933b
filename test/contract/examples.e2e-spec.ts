import { execFile, execFileSync } from 'node:child_process';
import { join } from 'node:path';
import request from 'supertest';
import { createTestApp, TestApp } from '../support/app';
import { servedRoutes } from './openapi-validator';

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
    t = await createTestApp('contract-examples');
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

  it('watch-decisions polls once, handling a server without the decisions endpoint', async () => {
    await request(t.url).post('/v1/services').set('Authorization', `Bearer ${t.adminKey}`).send({ name: 'watched', match: { pathPrefix: '/' } });
    const r = await node('watch-decisions.js', ['--once'], env);
    expect(r.code).toBe(0);
    const served = servedRoutes(t).includes('GET /v1/services/{id}/decisions');
    if (served) expect(r.stderr).toBe('');
    else expect(r.stderr).toContain('decisions are not available on this server yet (404)');
  });
});
