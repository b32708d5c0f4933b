/**
 * The node:http counterpart of bare-undici-proxy.ts, kept to decide the agent's upstream
 * client by measurement (bench:proxy prints both). Not for production.
 * Usage: node bare-http-proxy.js <listen-port> <backend-origin>
 */
import { Agent, createServer, request } from 'node:http';

const [port, origin] = process.argv.slice(2);
const target = new URL(origin);
const agent = new Agent({ keepAlive: true, maxSockets: 128 });
const HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade']);

createServer((req, res) => {
  const headers: Record<string, string | string[] | undefined> = {};
  for (const k in req.headers) if (!HOP.has(k)) headers[k] = req.headers[k];
  const up = request({ host: target.hostname, port: target.port, path: req.url, method: req.method, headers, agent }, (r) => {
    const h = { ...r.headers };
    for (const k of HOP) delete h[k];
    res.writeHead(r.statusCode ?? 502, h);
    r.pipe(res);
  });
  up.on('error', () => {
    res.statusCode = 502;
    res.end();
  });
  req.pipe(up);
}).listen(Number(port), '127.0.0.1');
