import { ChildProcess, execFile, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import request from 'supertest';
import { createTestApp, TestApp, waitFor } from '../support/app';

const BIN = join(__dirname, '..', '..', 'bin', 'headroom.js');

/** A loopback port nothing listens on (fetch refuses well-known ports like 1). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

describe('headroom CLI (built, as a process)', () => {
  let t: TestApp;
  let env: NodeJS.ProcessEnv;

  // Asynchronous on purpose: the API under test runs in this process and must keep answering.
  const cli = (args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<Result> =>
    new Promise((resolve) => {
      execFile(process.execPath, [BIN, ...args], { env: { ...env, ...extraEnv }, timeout: 20_000 }, (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
        resolve({ code, stdout, stderr });
      });
    });
  const json = async (args: string[]) => {
    const r = await cli([...args, '--json']);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    return JSON.parse(r.stdout);
  };

  beforeAll(async () => {
    t = await createTestApp('cli');
    env = { PATH: process.env.PATH, HOME: process.env.HOME, HEADROOM_URL: t.url, HEADROOM_API_KEY: t.adminKey };
  });
  afterAll(async () => t?.close());

  it('servers add prints an aligned table, and --json the created resource', async () => {
    const r = await cli(['servers', 'add', '--name', 'web-1', '--host', '127.0.0.1', '--port', '9001', '--label', 'tier=web', '--zone', 'a']);
    expect(r.code).toBe(0);
    const [header, row] = r.stdout.trimEnd().split('\n');
    expect(header).toMatch(/^ID\s+NAME\s+ADDRESS\s+STATE\s+SERVICE\s+WEIGHT\s+ZONE\s+LABELS$/);
    expect(row).toContain('http://127.0.0.1:9001');
    expect(row.indexOf('web-1')).toBe(header.indexOf('NAME'));
    expect(row.indexOf('free')).toBe(header.indexOf('STATE'));

    const created = await json(['servers', 'add', '--name', 'web-2', '--host', '127.0.0.1', '--port', '9002']);
    expect(created).toMatchObject({ id: expect.any(String), name: 'web-2', port: 9002, state: 'free' });
  });

  it('servers list --json gives scripts the page; get shows one server; flags beat the environment', async () => {
    const page = await json(['servers', 'list']);
    expect(page.items.map((s: { name: string }) => s.name).sort()).toEqual(['web-1', 'web-2']);
    const free = await json(['servers', 'list', '--state', 'free', '--selector', 'tier=web', '--all']);
    expect(free.items.map((s: { name: string }) => s.name)).toEqual(['web-1']);

    const got = await cli(['servers', 'get', page.items[0].id]);
    expect(got.code).toBe(0);
    expect(got.stdout).toMatch(/^id:\s+[0-9a-f-]{36}$/m);

    const viaFlags = await cli(['servers', 'list', '--json', '--url', t.url, '--api-key', t.readKey], { HEADROOM_URL: 'http://127.0.0.1:9', HEADROOM_API_KEY: 'wrong' });
    expect(viaFlags.code).toBe(0);
    expect(JSON.parse(viaFlags.stdout).items).toHaveLength(2);
  });

  it('services add/list/get, pools allocate, pools, deallocate, servers retire', async () => {
    const svc = await json(['services', 'add', '--name', 'shop', '--path-prefix', '/', '--min', '1', '--max', '3']);
    expect(svc).toMatchObject({ name: 'shop', match: { pathPrefix: '/' }, scaling: { min: 1, max: 3 } });
    expect((await json(['services', 'list'])).items.map((s: { name: string }) => s.name)).toEqual(['shop']);

    const moved = await json(['pools', 'allocate', 'shop', '--count', '1']);
    expect(moved.servers).toHaveLength(1);
    const pools = await cli(['pools']);
    expect(pools.code).toBe(0);
    expect(pools.stdout).toMatch(/^shop\s+[0-9a-f-]{36}\s+1\s/m);
    expect(pools.stdout).toMatch(/^\(free\)\s+-\s+1\s/m);
    const shop = await json(['services', 'get', 'shop']);
    expect(shop.pool.servers.map((s: { id: string }) => s.id)).toEqual([moved.servers[0].id]);

    const back = await json(['pools', 'deallocate', 'shop', '--server', moved.servers[0].id]);
    expect(back.servers[0].state).toMatch(/draining|free/);

    const stillFree = (await json(['servers', 'list', '--state', 'free'])).items.find((s: { id: string }) => s.id !== moved.servers[0].id);
    const retired = await json(['servers', 'retire', stillFree.id]);
    expect(retired.state).toBe('retired');
  });

  it('4xx problems: one line on stderr naming the fields, exit code 2, the problem on stdout with --json', async () => {
    const bad = await cli(['servers', 'add', '--name', 'web-9', '--host', '127.0.0.1', '--port', '70000']);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toMatch(/\(400\).*port: /);

    const missing = await cli(['servers', 'get', randomUUID(), '--json']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^headroom: Server not found \(404\): Server [0-9a-f-]{36} does not exist$/m);
    expect(JSON.parse(missing.stdout)).toMatchObject({ status: 404 });

    const conflict = await cli(['pools', 'allocate', 'shop', '--count', '50']);
    expect(conflict.code).toBe(2);
    expect(conflict.stderr).toMatch(/\(409\)/);

    const anonymous = await cli(['servers', 'list'], { HEADROOM_API_KEY: '' });
    expect(anonymous.code).toBe(2);
    expect(anonymous.stderr).toMatch(/\(401\)/);
    const readOnly = await cli(['api-keys', 'list'], { HEADROOM_API_KEY: t.readKey });
    expect(readOnly.code).toBe(2);
    expect(readOnly.stderr).toMatch(/\(403\)/);
  });

  it('usage mistakes exit 1; an unreachable API exits 3; --help documents the exit codes', async () => {
    expect((await cli(['servers', 'add', '--name', 'x', '--host', 'h'])).code).toBe(1);
    expect((await cli(['servers', 'add', '--name', 'x', '--host', 'h', '--port', 'abc'])).code).toBe(1);
    expect((await cli(['frobnicate'])).code).toBe(1);
    expect((await cli(['pools', 'allocate', 'shop'])).code).toBe(1);

    const closed = await closedPort();
    const down = await cli(['servers', 'list'], { HEADROOM_URL: `http://127.0.0.1:${closed}` });
    expect(down.code).toBe(3);
    expect(down.stderr).toContain(`cannot reach http://127.0.0.1:${closed}: ECONNREFUSED`);

    const help = await cli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Exit codes:[\s\S]*0\s+success[\s\S]*1\s+usage[\s\S]*2\s+the API answered 4xx[\s\S]*3\s+the API answered 5xx/);
    expect(help.stdout).toContain('HEADROOM_API_KEY');
  });

  it('api-keys create prints the secret alone on the last line; list and revoke', async () => {
    const created = await cli(['api-keys', 'create', '--scope', 'read', '--name', 'ci']);
    expect(created.code).toBe(0);
    const secret = created.stdout.trim().split('\n').pop() as string;
    expect((await request(t.url).get('/v1/servers').set('Authorization', `Bearer ${secret}`)).status).toBe(200);
    const keys = await json(['api-keys', 'list']);
    const ci = keys.find((k: { name: string }) => k.name === 'ci');
    expect(ci.scopes).toEqual(['read']);
    expect((await cli(['api-keys', 'revoke', ci.id])).code).toBe(0);
    expect((await request(t.url).get('/v1/servers').set('Authorization', `Bearer ${secret}`)).status).toBe(401);
  });

  it('agents: token, then the enrolled agent is listed', async () => {
    const token = await cli(['agents', 'token']);
    expect(token.code).toBe(0);
    const enrol = await request(t.url).post('/v1/agents/enrol').send({ token: token.stdout.trim(), name: 'edge-cli' });
    expect(enrol.status).toBe(201);
    const listed = await cli(['agents']);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/^ID\s+NAME\s+STATUS/);
    expect(listed.stdout).toContain('edge-cli');
    expect((await json(['agents', 'get', enrol.body.id])).name).toBe('edge-cli');
  });

  it('policies, decisions and updates show the rows the API has', async () => {
    const admin = { Authorization: `Bearer ${t.adminKey}` };
    // A service below its minimum with a live policy: the analyser decides to scale out, the
    // allocation changes the agents' configuration, and that change is an update.
    const svc = (await request(t.url).post('/v1/services').set(admin).send({ name: 'scaled', match: { pathPrefix: '/scaled' }, scaling: { min: 1, max: 1 } })).body;
    expect((await request(t.url).post('/v1/servers').set(admin).send({ name: 'for-scaled', host: '127.0.0.1', port: 9700 })).status).toBe(201);
    const policy = await request(t.url).post(`/v1/services/${svc.id}/policies`).set(admin).send({ type: 'target-tracking', metric: 'inflight_per_server', target: 4, dryRun: false });
    expect(policy.status).toBe(201);

    const policies = await json(['policies', 'scaled']);
    expect(policies).toEqual([expect.objectContaining({ service: 'scaled', id: policy.body.id, role: 'live', type: 'target-tracking', metric: 'inflight_per_server', target: 4 })]);
    const policyTable = await cli(['policies']);
    expect(policyTable.code).toBe(0);
    expect(policyTable.stdout).toMatch(/^SERVICE\s+ID\s+ROLE\s+POOL\s+TYPE\s+METRIC\s+RULE/);
    expect(policyTable.stdout).toMatch(new RegExp(`^scaled\\s+${policy.body.id}\\s+live\\s+servers\\s+target-tracking\\s+inflight_per_server\\s+target 4\\s`, 'm'));

    const decisions = await waitFor(async () => {
      const rows = await json(['decisions', 'scaled']);
      return rows.length > 0 && rows;
    }, 20_000);
    expect(decisions[0]).toMatchObject({ service: 'scaled', serviceId: svc.id, policyId: policy.body.id, action: 'scale_out', current: 0, desired: 1 });
    const decisionTable = await cli(['decisions', 'scaled', '--limit', '5']);
    expect(decisionTable.code).toBe(0);
    expect(decisionTable.stdout).toMatch(/^scaled\s+\S+\s+scale_out\s+\S+\s+servers\s+0→1\s+below the minimum/m);

    const updates = await waitFor(async () => {
      const rows = await json(['updates']);
      return rows.some((u: { addedServerIds: string[] }) => u.addedServerIds.length > 0) && rows;
    }, 20_000);
    const update = updates.find((u: { addedServerIds: string[] }) => u.addedServerIds.length > 0);
    const updateTable = await cli(['updates']);
    expect(updateTable.stdout).toMatch(new RegExp(`^${update.id}\\s+\\S+\\s+${update.status}\\s+\\d+\\s`, 'm'));
    expect(await json(['updates', update.id])).toMatchObject({ id: update.id, addedServerIds: update.addedServerIds });
    const one = await cli(['updates', update.id]);
    expect(one.stdout).toMatch(new RegExp(`^id:\\s+${update.id}$`, 'm'));
    expect(one.stdout).toMatch(/^AGENT\s+VERSION\s+STATE/m);

    const unknown = await cli(['decisions', 'no-such-service']);
    expect({ code: unknown.code, stderr: unknown.stderr }).toEqual({ code: 2, stderr: 'headroom: no service named "no-such-service"\n' });
  });

  it('events without --follow prints what arrives and stops after --idle', async () => {
    const r = await cli(['events', '--idle', '300', '--json']);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
  });

  it('events --follow prints an allocation as it happens and stops cleanly on Ctrl-C', async () => {
    const admin = { Authorization: `Bearer ${t.adminKey}` };
    const svc = await request(t.url).post('/v1/services').set(admin).send({ name: 'followed-svc', match: { pathPrefix: '/followed' }, scaling: { min: 0, max: 50 } });
    expect(svc.status).toBe(201);
    const child: ChildProcess = spawn(process.execPath, [BIN, 'events', '--follow', '--json'], { env });
    let out = '';
    let err = '';
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    const allocated: string[] = [];
    try {
      // The stream starts at "now" once the CLI has connected, which the test cannot see: allocate
      // one more server each round until one of them shows up, then check what was printed for it.
      const line = await waitFor(async () => {
        const server = await request(t.url).post('/v1/servers').set(admin).send({ name: `followed-${allocated.length}`, host: '127.0.0.1', port: 9600 + allocated.length });
        expect((await request(t.url).post(`/v1/services/${svc.body.id}/pool/allocate`).set(admin).send({ serverIds: [server.body.id] })).status).toBe(200);
        allocated.push(server.body.id);
        await new Promise((r) => setTimeout(r, 200));
        return out.split('\n').find((l) => l.includes('"server.allocating"') && allocated.some((id) => l.includes(id)));
      }, 15_000, 0);
      const ev = JSON.parse(line);
      expect(ev).toMatchObject({ id: expect.stringMatching(/^\d+$/), event: 'server.allocating', data: { type: 'server.allocating', serviceId: svc.body.id } });
      expect(allocated).toContain(ev.data.data.serverId);
      expect(child.exitCode).toBeNull();
    } finally {
      child.kill('SIGINT');
    }
    expect(await exited).toBe(0);
    expect(err).toBe('');
  });

  it('audit --follow prints new entries as they happen and stops cleanly on Ctrl-C', async () => {
    const child: ChildProcess = spawn(process.execPath, [BIN, 'audit', '--follow', '--json', '--limit', '1', '--interval', '100'], { env });
    let out = '';
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    try {
      await waitFor(async () => out.length > 0, 10_000);
      const res = await request(t.url).post('/v1/servers').set('Authorization', `Bearer ${t.adminKey}`).send({ name: 'followed', host: '127.0.0.1', port: 9555 });
      expect(res.status).toBe(201);
      const line = await waitFor(async () => out.split('\n').find((l) => l.includes(res.body.id)), 10_000);
      expect(JSON.parse(line)).toMatchObject({ action: 'server.register', targetId: res.body.id });
    } finally {
      child.kill('SIGINT');
    }
    expect(await exited).toBe(0);
  });
});
