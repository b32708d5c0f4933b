/**
 * The floor for bench:proxy: a bare reverse proxy on undici's Pool, about as small as one can
 * be while still streaming and stripping hop-by-hop headers. Not for production.
 * Usage: node bare-undici-proxy.js <listen-port> <backend-origin>
 */
import { createServer } from 'node:http';
import { Pool } from 'undici';

const [port, origin] = process.argv.slice(2);
const pool = new Pool(origin, { connections: 128, pipelining: 1 });
const HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade']);

createServer((req, res) => {
  const headers: Record<string, string | string[] | undefined> = {};
  for (const k in req.headers) if (!HOP.has(k)) headers[k] = req.headers[k];
  const hasBody = req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined;
  pool.request({ path: req.url ?? '/', method: req.method as 'GET', headers, body: hasBody ? req : null }).then(
    ({ statusCode, headers: h, body }) => {
      for (const k of HOP) delete h[k];
      res.writeHead(statusCode, h as Record<string, string | string[]>);
      body.pipe(res);
    },
    () => {
      res.statusCode = 502;
      res.end();
    },
  );
}).listen(Number(port), '127.0.0.1');
