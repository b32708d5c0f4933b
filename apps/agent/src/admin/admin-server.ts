/**
 * The admin endpoint, on its own port and loopback by default:
 *   GET  /admin/status   configuration version, services, backends (health, ejection, in-flight, draining)
 *   GET  /metrics        Prometheus text
 *   POST /admin/reload   re-reads STATE_DIR/config.json and applies it (as SIGHUP does)
 *   GET  /admin/health   200 while the process serves
 */
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';
import type { ContentModule } from '../content/content.module';

export interface ReloadOutcome {
  ok: boolean;
  version?: number;
  errors?: string[];
}

export interface AdminDeps {
  content: ContentModule;
  registry: Registry;
  reload: () => Promise<ReloadOutcome>;
  agentInfo: () => Record<string, unknown>;
}

function json(res: ServerResponse, status: number, body: unknown, type = 'application/json'): void {
  const b = JSON.stringify(body);
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(b), 'cache-control': 'no-store' });
  res.end(b);
}

function problem(res: ServerResponse, status: number, title: string, detail: string, extra: Record<string, unknown> = {}): void {
  json(res, status, { type: `https://headroom.dev/problems/${title.toLowerCase().replace(/\s+/g, '-')}`, title, status, detail, ...extra }, 'application/problem+json');
}

export function createAdminServer(deps: AdminDeps): Server {
  const server = createServer({ maxHeaderSize: 16 * 1024, headersTimeout: 10_000, requestTimeout: 30_000 }, (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0];
    const route = `${req.method} ${path}`;
    void (async () => {
      switch (route) {
        case 'GET /admin/status':
          return json(res, 200, { agent: deps.agentInfo(), ...deps.content.status() });
        case 'GET /metrics':
          res.writeHead(200, { 'content-type': deps.registry.contentType });
          return res.end(await deps.registry.metrics());
        case 'GET /admin/health':
          return json(res, 200, { status: 'ok' });
        case 'POST /admin/reload': {
          req.resume();
          const out = await deps.reload();
          return out.ok ? json(res, 200, out) : problem(res, 400, 'Configuration rejected', 'the configuration file was not applied; the previous one keeps serving', { errors: out.errors ?? [] });
        }
        default:
          return problem(res, 404, 'Not found', `no admin endpoint ${route}`);
      }
    })().catch((err: unknown) => problem(res, 500, 'Internal server error', (err as Error).message));
  });
  return server;
}
