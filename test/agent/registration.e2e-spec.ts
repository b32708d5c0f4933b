import { stat, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import request from 'supertest';
import { createTestApp, TestApp, waitFor } from '../support/app';
import { freePort, Spawned, spawnBuilt, tempDir } from '../support/processes';

describe('agent registration', () => {
  let t: TestApp;
  const running: Spawned[] = [];

  beforeAll(async () => {
    t = await createTestApp('agent_registration');
  });
  afterAll(async () => {
    await Promise.all(running.map((p) => p.stop('SIGKILL')));
    await t?.close();
  });

  const startAgent = async (stateDir: string, token?: string) => {
    const env: Record<string, string> = {
      MANAGEMENT_URL: t.url, STATE_DIR: stateDir, AGENT_NAME: 'edge-reg', PROXY_HOST: '127.0.0.1',
      PROXY_PORT: String(await freePort()), ADMIN_PORT: String(await freePort()), HEARTBEAT_INTERVAL_MS: '500', LOG_LEVEL: 'info',
    };
    if (token) env.ENROLMENT_TOKEN = token;
    const p = spawnBuilt('apps/agent/src/main.js', [], env);
    running.push(p);
    return p;
  };

  const agents = async () => (await request(t.url).get('/v1/agents').set('Authorization', `Bearer ${t.adminKey}`)).body as { id: string; name: string; status: string; lastSeenAt: string }[];

  it('enrols on first start, keeps its identity in STATE_DIR (0600), and reuses it after a restart', async () => {
    const stateDir = await tempDir('agent-reg');
    const token = await t.enrolmentToken({ maxUses: 1 });
    const first = await startAgent(stateDir, token);
    const enrolled = await waitFor(async () => (await agents()).find((a) => a.name === 'edge-reg' && a.status === 'online'), 20_000);
    const file = join(stateDir, 'identity.json');
    // The agent writes its identity right after the enrolment call returns.
    await waitFor(async () => (await stat(file).catch(() => null)) !== null, 10_000);
    const mode = (await stat(file)).mode & 0o777;
    expect(mode).toBe(0o600);
    const identity = JSON.parse(await readFile(file, 'utf8')) as { id: string };
    expect(identity.id).toBe(enrolled.id);
    await first.stop();

    // The token was single-use: a restart that tried to enrol again would fail.
    const seenBefore = Date.parse((await agents()).find((a) => a.id === enrolled.id)!.lastSeenAt);
    const second = await startAgent(stateDir, token);
    await waitFor(async () => {
      const a = (await agents()).find((x) => x.id === enrolled.id);
      return a && Date.parse(a.lastSeenAt) > seenBefore;
    }, 20_000);
    expect((await agents()).filter((a) => a.name === 'edge-reg')).toHaveLength(1);
    expect(second.proc.exitCode).toBeNull();
    await second.stop();
  });

  it('an agent with a bad enrolment token exits with a clear error', async () => {
    const p = await startAgent(await tempDir('agent-bad'), 'hret_0000000000000000_' + 'c'.repeat(43));
    await waitFor(async () => p.proc.exitCode !== null, 20_000);
    expect(p.proc.exitCode).not.toBe(0);
    expect(p.output()).toMatch(/enrolment refused \(401\)/);
  });
});
