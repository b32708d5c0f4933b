/**
 * Demo backend: the "third server" for the demo, the tests and the benchmarks.
 *
 *   /health        200, no latency
 *   /load          {"inflight", "requests"}: its own in-flight count and total
 *   /bytes/N       streams N bytes (N up to 2^40), honouring backpressure
 *   POST /echo     streams the request body back
 *   POST /count    reads the body and answers {"bytes": N}
 *   /headers       the request line and headers it received, as JSON
 *   /hop-headers   answers with hop-by-hop headers (Connection: keep-alive, x-hop; X-Hop; Keep-Alive)
 *   anything else  after --latency-ms (or ?delay-ms=N) and --cpu-ms, a --body-bytes body,
 *                  or 500 for an --error-rate share
 *   Upgrade        answers 101 (with Sec-WebSocket-Accept for WebSocket) and echoes the raw bytes
 *
 * Every response carries `X-Served-By: <port>`.
 */
import { createHash } from 'node:crypto';
import { createServer, IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { DemoOptionsError, parseDemoOptions } from './demo-options';

const WS_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const CHUNK = Buffer.alloc(64 * 1024, 'x');

function busy(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) { /* spin: a request's CPU cost */ }
}

function json(res: ServerResponse, body: unknown): void {
  const b = Buffer.from(JSON.stringify(body));
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': b.length }).end(b);
}

function main(): void {
  const opts = parseDemoOptions(process.argv.slice(2), process.env);
  const servedBy = String(opts.port);
  const body = Buffer.alloc(opts.bodyBytes, 'a');
  let inflight = 0;
  // --max-concurrency: a worker pool of that size; requests beyond it wait their turn in FIFO order.
  let working = 0;
  const waiting: ((done: () => void) => void)[] = [];
  const admit = (job: (done: () => void) => void) => {
    const run = (j: (done: () => void) => void) => {
      working++;
      j(() => {
        working--;
        const next = waiting.shift();
        if (next) run(next);
      });
    };
    if (working < opts.maxConcurrency) run(job);
    else waiting.push(job);
  };
  let requests = 0;

  const server = createServer({ keepAliveTimeout: 5000 }, (req: IncomingMessage, res: ServerResponse) => {
    inflight++;
    requests++;
    res.once('close', () => inflight--);
    res.setHeader('X-Served-By', servedBy);
    if (opts.logRequests && req.method !== 'GET' && req.method !== 'HEAD') process.stdout.write(`${req.method} ${req.headers['x-request-id'] ?? '-'}\n`);
    const q = (req.url ?? '/').indexOf('?');
    const path = q < 0 ? req.url ?? '/' : req.url!.slice(0, q);

    if (path === '/health') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      return;
    }
    if (path === '/load') {
      json(res, { inflight: inflight - 1, requests });
      return;
    }
    if (path === '/headers') {
      json(res, { method: req.method, url: req.url, headers: req.headers, rawHeaders: req.rawHeaders });
      return;
    }
    if (path === '/hop-headers') {
      res.writeHead(200, { 'content-type': 'text/plain', connection: 'keep-alive, x-hop', 'x-hop': 'private', 'keep-alive': 'timeout=5', 'x-end-to-end': 'kept' }).end('hop');
      return;
    }
    if (path.startsWith('/bytes/')) {
      const n = Number(path.slice('/bytes/'.length));
      if (!Number.isInteger(n) || n < 0 || n > 2 ** 40) {
        res.writeHead(400, { 'content-type': 'text/plain' }).end('bad size');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': n });
      let left = n;
      const pump = () => {
        while (left > 0) {
          const c = left >= CHUNK.length ? CHUNK : CHUNK.subarray(0, left);
          left -= c.length;
          if (!res.write(c)) {
            res.once('drain', pump);
            return;
          }
        }
        res.end();
      };
      pump();
      return;
    }
    if (path === '/echo') {
      res.writeHead(200, { 'content-type': req.headers['content-type'] ?? 'application/octet-stream', ...(req.headers['content-length'] ? { 'content-length': req.headers['content-length'] } : {}) });
      req.pipe(res);
      return;
    }
    if (path === '/count') {
      let bytes = 0;
      req.on('data', (c: Buffer) => { bytes += c.length; });
      req.on('end', () => json(res, { bytes }));
      return;
    }
    const delayParam = q < 0 ? null : new URLSearchParams(req.url!.slice(q + 1)).get('delay-ms');
    const delay = delayParam !== null && /^\d{1,7}$/.test(delayParam) ? Number(delayParam) : opts.latencyMs;
    const answer = () => {
      if (opts.cpuMs > 0) busy(opts.cpuMs);
      if (opts.errorRate > 0 && Math.random() < opts.errorRate) {
        res.writeHead(500, { 'content-type': 'text/plain' }).end('injected error');
        return;
      }
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': body.length }).end(body);
    };
    // Drain an unread body so keep-alive connections stay usable.
    req.resume();
    const work = (done: () => void) => {
      const finish = () => {
        answer();
        done();
      };
      if (delay > 0) setTimeout(finish, delay);
      else finish();
    };
    if (opts.maxConcurrency <= 0) work(() => undefined);
    else admit(work);
  });

  server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    const key = req.headers['sec-websocket-key'];
    const lines = ['HTTP/1.1 101 Switching Protocols', `Upgrade: ${req.headers.upgrade}`, 'Connection: Upgrade', `X-Served-By: ${servedBy}`];
    if (typeof key === 'string') lines.push(`Sec-WebSocket-Accept: ${createHash('sha1').update(key + WS_GUID).digest('base64')}`);
    socket.write(lines.join('\r\n') + '\r\n\r\n');
    if (head.length) socket.write(head);
    socket.pipe(socket);
    socket.on('error', () => socket.destroy());
  });

  server.listen(opts.port, opts.host, () => {
    const addr = server.address();
    const port = typeof addr === 'object' && addr ? addr.port : opts.port;
    process.stdout.write(`demo-backend listening on http://${opts.host}:${port}\n`);
  });
  const stop = () => {
    server.close();
    server.closeAllConnections();
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

try {
  main();
} catch (err) {
  console.error(err instanceof DemoOptionsError ? err.message : err);
  process.exit(2);
}
