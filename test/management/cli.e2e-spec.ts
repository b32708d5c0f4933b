import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import request from 'supertest';
import { createSuiteDatabase } from '../support/database';
import { cleanUpSuite, createTestApp, TestApp } from '../support/app';
import { ROOT } from '../support/processes';

const MAIN = join(ROOT, 'dist/apps/management/src/main.js');
const run = (args: string[], env: Record<string, string>) => spawnSync(process.execPath, [MAIN, ...args], { cwd: ROOT, env: { ...process.env, ...env }, encoding: 'utf8', timeout: 30_000 });

describe('management commands', () => {
  let db: { url: string; drop: () => Promise<void> };
  let t: TestApp | undefined;

  beforeAll(async () => {
    db = await createSuiteDatabase('mgmt_cli');
  });
  afterAll(async () => {
    try {
      await t?.close();
    } finally {
      // The app ran on the suite's own database, so its close() left that and its Redis keys alone.
      await cleanUpSuite('mgmt_cli');
    }
  });

  it('a bad environment value stops the process with a message naming it', () => {
    const res = run([], { PORT: 'eighty', DATABASE_URL: db.url });
    expect(res.status).toBe(1);
    expect(res.stderr).toContain('PORT="eighty"');
  });

  it('migrate applies the migrations, then reports them up to date', () => {
    const first = run(['migrate'], { DATABASE_URL: db.url });
    expect(first.status).toBe(0);
    expect(first.stdout).toMatch(/migrations: \d+ applied/);
    const again = run(['migrate'], { DATABASE_URL: db.url });
    expect(again.stdout).toContain('up to date');
  });

  it('create-api-key and create-enrolment-token print a working secret alone on the last line', async () => {
    const key = run(['create-api-key', '--scope', 'admin'], { DATABASE_URL: db.url });
    expect(key.status).toBe(0);
    const lastKey = key.stdout.trim().split('\n').pop()!;
    expect(lastKey).toMatch(/^hrk_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    const tok = run(['create-enrolment-token'], { DATABASE_URL: db.url });
    const lastTok = tok.stdout.trim().split('\n').pop()!;
    expect(lastTok).toMatch(/^hret_/);
    const bad = run(['create-api-key', '--scope', 'root'], { DATABASE_URL: db.url });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('unknown scope root');

    t = await createTestApp('mgmt_cli', {}, db.url);
    expect((await request(t.url).post('/v1/services').set('Authorization', `Bearer ${lastKey}`).send({ name: 'cli', match: { pathPrefix: '/' } })).status).toBe(201);
    expect((await request(t.url).post('/v1/agents/enrol').send({ token: lastTok, name: 'cli-edge' })).status).toBe(201);
  });
});
