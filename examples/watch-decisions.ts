/**
 * Watches the analyser's scaling decisions of every service and prints each new one.
 *
 *   node dist/examples/watch-decisions.js [--interval 2000] [--once]
 *
 * A management API without the decisions endpoint (it comes with the analyser) answers 404;
 * the watcher says so once and keeps polling, so it can be started before the upgrade.
 * Reads HEADROOM_URL and HEADROOM_API_KEY.
 */
import { ApiError, HeadroomClient, ServiceDto } from '../clients/typescript/src';

interface Decision {
  id: string;
  at?: string;
  createdAt?: string;
  action?: string;
  kind?: string;
  delta?: number;
  reason?: string;
  [k: string]: unknown;
}

async function services(client: HeadroomClient): Promise<ServiceDto[]> {
  const out: ServiceDto[] = [];
  let cursor: string | undefined;
  do {
    const page = await client.services.listServices({ limit: 200, cursor });
    out.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return out;
}

/** One poll over every service; returns false when the server has no decisions endpoint. */
export async function pollOnce(client: HeadroomClient, seen: Set<string>, print: (line: string) => void): Promise<boolean> {
  for (const service of await services(client)) {
    let body: unknown;
    try {
      body = await client.request.request<unknown>({ method: 'GET', url: '/v1/services/{id}/decisions', path: { id: service.id } });
    } catch (err) {
      if (err instanceof ApiError && err.status === 404 && /^Cannot GET/.test(String(err.body?.detail ?? ''))) return false;
      throw err;
    }
    const items = (Array.isArray(body) ? body : ((body as { items?: Decision[] }).items ?? [])) as Decision[];
    for (const d of [...items].reverse()) {
      if (seen.has(d.id)) continue;
      seen.add(d.id);
      const what = d.action ?? d.kind ?? 'decision';
      print(`${d.at ?? d.createdAt ?? new Date().toISOString()}  ${service.name.padEnd(16)}  ${String(what).padEnd(12)}  ${d.delta ?? ''}  ${d.reason ?? ''}`.trimEnd());
    }
  }
  return true;
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const interval = Number(args[args.indexOf('--interval') + 1]) || 2000;
  const once = args.includes('--once');
  const client = new HeadroomClient({ BASE: process.env.HEADROOM_URL ?? 'http://127.0.0.1:8080', TOKEN: process.env.HEADROOM_API_KEY });
  const seen = new Set<string>();
  let warned = false;
  let stop = false;
  process.once('SIGINT', () => (stop = true));
  while (!stop) {
    const available = await pollOnce(client, seen, (l) => console.log(l));
    if (!available && !warned) {
      console.error('decisions are not available on this server yet (404); still watching');
      warned = true;
    }
    if (once) return 0;
    await new Promise((r) => setTimeout(r, interval));
  }
  return 0;
}

if (require.main === module) {
  main().then((code) => (process.exitCode = code), (err: unknown) => {
    const msg = err instanceof ApiError ? `${err.status} ${err.body?.title ?? err.message}` : err instanceof Error ? err.message : String(err);
    console.error(`watch-decisions: ${msg}`);
    process.exitCode = err instanceof ApiError && err.status < 500 ? 2 : 3;
  });
}
