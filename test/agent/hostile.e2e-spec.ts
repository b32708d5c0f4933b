import { connect } from 'node:net';
import { configDoc, DemoBackend, hit, killAll, RunningAgent, startAgent, startBackend } from './agent-harness';

const HEADER_TIMEOUT_MS = 600;

/** Writes `parts` (with `gapMs` between them) on a fresh connection; resolves with what came back once the server closes it. */
function raw(port: number, parts: string[], gapMs = 0): Promise<{ text: string; closedAfterMs: number }> {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const sock = connect(port, '127.0.0.1');
    let text = '';
    let i = 0;
    let timer: NodeJS.Timeout | undefined;
    const next = () => {
      if (i >= parts.length || sock.destroyed) return;
      sock.write(parts[i++], () => undefined);
      if (i < parts.length) timer = setTimeout(next, gapMs);
    };
    sock.on('connect', next);
    sock.on('data', (d) => (text += d.toString('latin1')));
    sock.on('close', () => {
      clearTimeout(timer);
      resolve({ text, closedAfterMs: Date.now() - t0 });
    });
    sock.on('error', (err: NodeJS.ErrnoException) => (err.code === 'ECONNRESET' || err.code === 'EPIPE' ? undefined : reject(err)));
    setTimeout(() => sock.destroy(), 10_000).unref();
  });
}

const statusOf = (text: string) => Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);

describe('agent data plane: hostile requests at the front door', () => {
  let backend: DemoBackend;
  let agent: RunningAgent;
  const postsSeen = () => backend.proc.lines.filter((l) => l.startsWith('POST ')).length;

  beforeAll(async () => {
    backend = await startBackend(['--log-requests']);
    agent = await startAgent(configDoc([{ backends: [{ port: backend.port }] }], { requestHeadersTimeoutMs: HEADER_TIMEOUT_MS }));
    await agent.waitHealthy(1);
  });
  afterAll(async () => {
    await agent?.close();
    await killAll();
  });

  it('serves a well-formed request on a raw socket (the baseline the others differ from)', async () => {
    const r = await raw(agent.proxyPort, ['GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n']);
    expect(statusOf(r.text)).toBe(200);
  });

  it('answers 17 KiB of headers with 431 problem and closes', async () => {
    const r = await raw(agent.proxyPort, [`GET / HTTP/1.1\r\nHost: a\r\nX-Big: ${'a'.repeat(17 * 1024)}\r\n\r\n`]);
    expect(statusOf(r.text)).toBe(431);
    expect(r.text).toContain('application/problem+json');
    expect(r.text).toMatch(/connection: close/i);
  });

  it('answers more than 2,000 header lines with 431 instead of silently dropping some', async () => {
    const lines = Array.from({ length: 2100 }, (_, i) => `x${i}: 1\r\n`).join('');
    const r = await raw(agent.proxyPort, [`GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n${lines}\r\n`]);
    expect(statusOf(r.text)).toBe(431);
  });

  it.each([
    ['a malformed request line', 'GARBAGE\r\n\r\n'],
    ['a request line without a version', 'GET /\r\nHost: a\r\n\r\n'],
    ['a space before the colon', 'GET / HTTP/1.1\r\nHost : a\r\n\r\n'],
    ['LF-only line ends with a bare CR in a header value', 'GET / HTTP/1.1\nHost: a\nX: a\rb\n\n'],
    ['a duplicated, conflicting Content-Length', 'POST /count HTTP/1.1\r\nHost: a\r\nContent-Length: 42, 43\r\n\r\n'],
    ['a signed Content-Length', 'POST /count HTTP/1.1\r\nHost: a\r\nContent-Length: +5\r\n\r\nhello'],
  ])('answers %s with 400 problem and closes', async (_what, text) => {
    const r = await raw(agent.proxyPort, [text]);
    expect(statusOf(r.text)).toBe(400);
    expect(r.text).toContain('application/problem+json');
  });

  it.each([
    ['Content-Length with Transfer-Encoding', 'POST /count HTTP/1.1\r\nHost: a\r\nContent-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nPOST /count HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n'],
    ['Transfer-Encoding: chunked, identity', 'POST /count HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n'],
    ['Transfer-Encoding: xchunked (an unknown coding: 501)', 'POST /count HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: xchunked\r\n\r\n0\r\n\r\n', 501],
  ])('refuses %s with 400 and never forwards it (no smuggling)', async (_what, text, status = 400) => {
    const before = postsSeen();
    const r = await raw(agent.proxyPort, [text]);
    expect(statusOf(r.text)).toBe(status);
    expect(r.text.match(/HTTP\/1\.1/g)).toHaveLength(1);
    // A control request goes through, so "nothing forwarded" is not just a dead backend.
    const ok = await hit(agent, '/');
    expect(ok.status).toBe(200);
    expect(postsSeen()).toBe(before);
  });

  it('cuts a slowloris client off at the header timeout with 408', async () => {
    // One header byte every 100 ms: never finishes its headers.
    const parts = ['GET / HTTP/1.1\r\nHost: a\r\n', ...Array.from({ length: 60 }, () => 'X')];
    const r = await raw(agent.proxyPort, parts, 100);
    expect(r.closedAfterMs).toBeGreaterThanOrEqual(HEADER_TIMEOUT_MS - 50);
    expect(r.closedAfterMs).toBeLessThan(HEADER_TIMEOUT_MS + 1500);
    expect(statusOf(r.text)).toBe(408);
  });
});
