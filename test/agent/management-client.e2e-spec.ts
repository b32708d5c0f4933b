import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import pino from 'pino';
import { ConfigSync } from '../../apps/agent/src/config/config-sync';
import { createManagementClient } from '../../apps/agent/src/management-client';
import { EnrolmentError, ensureIdentity } from '../../apps/agent/src/registration/registration';
import { encodeConfigXml } from '../../libs/protocol/src/config-codec';
import { decodeReportBatchXml, validateReportBatch } from '../../libs/protocol/src/report-codec';
import { freePort, Spawned, spawnBuilt, tempDir } from '../support/processes';
import { configDoc, waitFor } from './agent-harness';

/**
 * The agent's side of the management API, seen from a stand-in server that records every request:
 * the four kinds of call (enrolment, heartbeats, reports, configuration) carry what the shared
 * generated client adds (User-Agent, bearer credential), in the formats the agent promises.
 */
interface Seen {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

const AGENT_ID = '6f1f9d0e-4b7a-4c1e-9c55-0d7c1a1e2b3c';
const CREDENTIAL = 'hrak_test_credential';

function fakeManagementApi(handle: (req: Seen, res: ServerResponse) => void): Promise<{ server: Server; url: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url!, 'http://x');
      const r: Seen = { method: req.method!, path: url.pathname, query: url.searchParams, headers: req.headers, body: Buffer.concat(chunks) };
      seen.push(r);
      handle(r, res);
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen })));
}

const json = (res: ServerResponse, status: number, body: unknown, type = 'application/json') => res.writeHead(status, { 'content-type': type }).end(JSON.stringify(body));

async function close(server: Server | undefined): Promise<void> {
  if (!server) return;
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
}

describe('agent → management API through the generated client', () => {
  const log = pino({ level: 'silent' });
  let api: Awaited<ReturnType<typeof fakeManagementApi>> | undefined;
  let agent: Spawned | undefined;

  afterEach(async () => {
    await agent?.stop('SIGKILL');
    agent = undefined;
    await close(api?.server);
    api = undefined;
  });

  it('enrolment, heartbeats, reports and the configuration poll and ack all carry the client headers', async () => {
    const doc = configDoc([]);
    let polls = 0;
    api = await fakeManagementApi((r, res) => {
      if (r.path === '/v1/agents/enrol') return json(res, 201, { id: AGENT_ID, credential: CREDENTIAL });
      if (r.path === `/v1/agents/${AGENT_ID}/heartbeat`) return json(res, 200, { id: AGENT_ID });
      if (r.path === `/v1/agents/${AGENT_ID}/reports`) return json(res, 200, { accepted: 1, duplicates: 0, samples: 1 });
      if (r.path === `/v1/agents/${AGENT_ID}/config/acks`) return json(res, 200, { accepted: true, updateIds: [] });
      if (r.path === `/v1/agents/${AGENT_ID}/config`) {
        // The first poll gets a revision; later ones are held, as the real API does when nothing changed.
        if (polls++ === 0) return res.writeHead(200, { 'content-type': 'application/xml', 'x-config-version': String(doc.version) }).end(encodeConfigXml(doc));
        return;
      }
      json(res, 404, { status: 404, detail: `no ${r.path}` }, 'application/problem+json');
    });
    agent = spawnBuilt('apps/agent/src/main.js', [], {
      MANAGEMENT_URL: `${api.url}/`, ENROLMENT_TOKEN: 'hret_test', STATE_DIR: await tempDir('agent-client'), AGENT_NAME: 'edge-client',
      PROXY_HOST: '127.0.0.1', PROXY_PORT: String(await freePort()), ADMIN_PORT: String(await freePort()),
      HEARTBEAT_INTERVAL_MS: '500', REPORT_INTERVAL_MS: '1000', CONFIG_POLL_WAIT_SECONDS: '20', LOG_LEVEL: 'warn',
    });
    const seen = api.seen;
    const of = (suffix: string) => seen.filter((r) => r.path.endsWith(suffix));
    await waitFor(() => of('/reports').length > 0 && of('/config/acks').length > 0 && of('/heartbeat').some((r) => JSON.parse(r.body.toString()).configVersion === doc.version), `every kind of call (output: ${agent?.output()})`, 20_000);

    for (const r of seen) expect({ path: r.path, ua: r.headers['user-agent'] }).toEqual({ path: r.path, ua: 'headroom-agent/0.1.0' });
    // The enrolment token travels in the body; the credential is sent only once the agent has it.
    const [enrol] = of('/enrol');
    expect(enrol.headers.authorization).toBeUndefined();
    expect(JSON.parse(enrol.body.toString())).toEqual({ token: 'hret_test', name: 'edge-client', softwareVersion: '0.1.0' });
    for (const r of seen.filter((x) => x !== enrol)) expect({ path: r.path, auth: r.headers.authorization }).toEqual({ path: r.path, auth: `Bearer ${CREDENTIAL}` });

    const report = of('/reports')[0];
    expect(report.headers).toMatchObject({ 'content-type': 'application/xml', 'content-encoding': 'gzip', accept: 'application/json' });
    const batch = validateReportBatch(decodeReportBatchXml(gunzipSync(report.body).toString()));
    expect(batch.ok && batch.batch.reports[0]).toMatchObject({ agentId: AGENT_ID, seq: 0 });

    const [first, held] = of('/config');
    expect(first.headers.accept).toBe('application/xml');
    expect(Object.fromEntries(first.query)).toEqual({ after: '0', wait: '20' });
    expect(held.query.get('after')).toBe(String(doc.version));
    expect(JSON.parse(of('/config/acks')[0].body.toString())).toEqual({ version: doc.version, status: 'applied' });
  }, 40_000);

  it('a refused enrolment names the status and the problem detail', async () => {
    api = await fakeManagementApi((_r, res) => json(res, 401, { type: 'about:blank', title: 'Unauthorized', status: 401, detail: 'the enrolment token has expired' }, 'application/problem+json'));
    const client = createManagementClient({ baseUrl: api.url, version: '0.1.0' });
    const attempt = ensureIdentity({ client, stateDir: await tempDir('agent-client-enrol'), managementUrl: api.url, enrolmentToken: 'hret_old', name: 'edge-client', version: '0.1.0', log });
    await expect(attempt).rejects.toThrow(EnrolmentError);
    await expect(attempt).rejects.toThrow('enrolment refused (401): the enrolment token has expired');
  });

  it('a document the agent cannot decode is nacked with the version from X-Config-Version', async () => {
    const applied: unknown[] = [];
    api = await fakeManagementApi((r, res) => {
      if (r.path.endsWith('/config/acks')) return json(res, 200, { accepted: true, updateIds: [] });
      if (r.path.endsWith('/config')) {
        const headers: Record<string, string> = { 'content-type': 'application/xml' };
        // The first poll names its revision in the header, the second does not.
        if (r.query.get('wait') === '1') headers['x-config-version'] = '7';
        return res.writeHead(200, headers).end('<config><version>7</version><services><service>');
      }
      json(res, 404, { status: 404, detail: `no ${r.path}` }, 'application/problem+json');
    });
    const client = createManagementClient({ baseUrl: api.url, version: '0.1.0', credential: () => CREDENTIAL });
    const identity = { id: AGENT_ID, credential: CREDENTIAL, name: 'edge-client', managementUrl: api.url, enrolledAt: new Date().toISOString() };
    const target = { configVersion: 3, applyConfig: (doc: unknown) => applied.push(doc) };
    const sync = new ConfigSync({ client, identity, stateDir: await tempDir('agent-client-nack'), target, log, waitSeconds: 1 });

    const outcome = await sync.pollOnce();
    expect(outcome).toEqual({ status: 'rejected', version: 7, error: expect.stringMatching(/^not a valid document: /) });
    const acks = api.seen.filter((r) => r.path.endsWith('/config/acks'));
    expect(acks).toHaveLength(1);
    expect(JSON.parse(acks[0].body.toString())).toEqual({ version: 7, status: 'rejected', error: outcome!.status === 'rejected' ? outcome!.error : '' });
    expect(acks[0].headers.authorization).toBe(`Bearer ${CREDENTIAL}`);
    expect(applied).toEqual([]);

    // Without the header nothing names the revision: no ack, and the poll fails so the loop backs off.
    const headless = new ConfigSync({ client, identity, stateDir: await tempDir('agent-client-nack-2'), target, log, waitSeconds: 2 });
    await expect(headless.pollOnce()).rejects.toThrow(/without a readable version/);
    expect(api.seen.filter((r) => r.path.endsWith('/config/acks'))).toHaveLength(1);
  });

  it('stop() ends a held long poll at once, not at the hold time', async () => {
    let closed = false;
    api = await fakeManagementApi((r, res) => {
      if (r.path.endsWith('/config')) res.on('close', () => (closed = true));
    });
    const client = createManagementClient({ baseUrl: api.url, version: '0.1.0', credential: () => CREDENTIAL });
    const identity = { id: AGENT_ID, credential: CREDENTIAL, name: 'edge-client', managementUrl: api.url, enrolledAt: new Date().toISOString() };
    const sync = new ConfigSync({ client, identity, stateDir: await tempDir('agent-client-stop'), target: { configVersion: null, applyConfig: () => undefined }, log, waitSeconds: 30 });
    sync.start();
    await waitFor(() => api!.seen.some((r) => r.path.endsWith('/config')), 'the long poll to arrive');
    const started = Date.now();
    await sync.stop();
    expect(Date.now() - started).toBeLessThan(1000);
    await waitFor(() => closed, 'the held poll to be closed by the agent', 2000);
  });
});
