/**
 * Watches the analyser's scaling decisions of every service and prints each new one, oldest first.
 *
 *   node dist/examples/watch-decisions.js [--interval 2000] [--once]
 *
 * Reads HEADROOM_URL and HEADROOM_API_KEY.
 */
import { ApiError, DecisionDto, HeadroomClient, ServiceDto } from '../clients/typescript/src';

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

/** One line per decision: when, service, action, the pool size change and why. */
export function formatDecision(service: string, d: DecisionDto): string {
  return `${d.createdAt}  ${service.padEnd(16)}  ${d.action.padEnd(10)}  ${`${d.current}→${d.desired}`.padEnd(6)}  ${d.status.padEnd(19)}  ${d.reason}`;
}

/** One poll over every service: prints the decisions not seen before. */
export async function pollOnce(client: HeadroomClient, seen: Set<string>, print: (line: string) => void): Promise<void> {
  for (const service of await services(client)) {
    // Newest first, one page: a watcher polling every few seconds never falls a page behind.
    const page = await client.decisions.listDecisions({ id: service.id, limit: 100 });
    for (const d of [...page.items].reverse()) {
      if (seen.has(d.id)) continue;
      seen.add(d.id);
      print(formatDecision(service.name, d));
    }
  }
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const interval = Number(args[args.indexOf('--interval') + 1]) || 2000;
  const once = args.includes('--once');
  const client = new HeadroomClient({ BASE: process.env.HEADROOM_URL ?? 'http://127.0.0.1:8080', TOKEN: process.env.HEADROOM_API_KEY });
  const seen = new Set<string>();
  let stop = false;
  process.once('SIGINT', () => (stop = true));
  while (!stop) {
    await pollOnce(client, seen, (l) => console.log(l));
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
