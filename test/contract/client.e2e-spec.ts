import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as ClientModule from '../../clients/typescript/src';
import { createTestApp, TestApp } from '../support/app';

const ROOT = join(__dirname, '..', '..');

describe('@headroom/client', () => {
  let t: TestApp;
  let out: string;
  let lib: typeof ClientModule;

  beforeAll(async () => {
    // Build the package the way its package.json does, with the root's TypeScript, and drive
    // the emitted JavaScript: that is what integrators install.
    out = mkdtempSync(join(tmpdir(), 'headroom-client-'));
    execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', join(ROOT, 'clients/typescript/tsconfig.json'), '--outDir', out], { cwd: ROOT, stdio: 'pipe' });
    lib = (await import(join(out, 'index.js'))) as typeof ClientModule;
    t = await createTestApp('contract-client');
  });
  afterAll(async () => {
    await t?.close();
    if (out) rmSync(out, { recursive: true, force: true });
  });

  it('builds to JavaScript with type declarations', () => {
    expect(existsSync(join(out, 'index.d.ts'))).toBe(true);
    expect(typeof lib.HeadroomClient).toBe('function');
  });

  it('drives a whole flow: register servers, create a service, allocate, read the pool, de-allocate', async () => {
    const client = new lib.HeadroomClient({ BASE: t.url, TOKEN: t.adminKey });
    const servers = [];
    for (const port of [9401, 9402, 9403]) {
      servers.push(await client.servers.registerServer({ requestBody: { name: `flow-${port}`, host: '127.0.0.1', port } }));
    }
    expect(servers.map((s) => s.state)).toEqual(['free', 'free', 'free']);

    const service = await client.services.createService({ requestBody: { name: 'flow-shop', match: { pathPrefix: '/' }, scaling: { min: 1, max: 5 } } });
    expect(service.id).toEqual(expect.any(String));

    const allocated = await client.pools.allocateServers({ id: service.id, requestBody: { count: 2 } });
    expect(allocated.servers).toHaveLength(2);

    const pool = await client.pools.getServicePool({ id: service.id });
    expect(pool.servers.map((s) => s.id).sort()).toEqual(allocated.servers.map((s) => s.id).sort());
    const pools = await client.pools.listPools();
    expect(pools.free.servers.map((s) => s.id)).toHaveLength(1);

    const released = await client.pools.deallocateServers({ id: service.id, requestBody: { serverIds: [allocated.servers[0].id] } });
    expect(released.servers).toHaveLength(1);
    const after = await client.pools.getServicePool({ id: service.id });
    expect(after.servers.map((s) => s.id)).not.toContain(allocated.servers[0].id);
    const server = await client.servers.getServer({ id: allocated.servers[0].id });
    expect(['draining', 'free']).toContain(server.state);
  });

  it('surfaces problems as ApiError with the problem+json body', async () => {
    const client = new lib.HeadroomClient({ BASE: t.url, TOKEN: t.adminKey });
    const err = await client.servers.registerServer({ requestBody: { name: 'bad', host: '127.0.0.1', port: 70000 } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(lib.ApiError);
    const apiError = err as ClientModule.ApiError;
    expect(apiError.status).toBe(400);
    expect(apiError.body).toMatchObject({ status: 400, errors: [expect.objectContaining({ field: 'port' })] });

    const anonymous = new lib.HeadroomClient({ BASE: t.url });
    await expect(anonymous.servers.listServers({})).rejects.toMatchObject({ status: 401 });
  });
});
