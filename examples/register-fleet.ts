/**
 * Registers a fleet of backend servers from a CSV file into the free pool.
 *
 *   node dist/examples/register-fleet.js examples/fleet.csv
 *
 * Columns: name,host,port[,zone,weight,labels] with labels as k=v;k=v. Servers that already
 * exist (409) are reported and skipped, so the script can be re-run after a partial failure.
 * Reads HEADROOM_URL and HEADROOM_API_KEY. Exit code 0 when every row is registered or already there.
 */
import { readFileSync } from 'node:fs';
import { ApiError, CreateServerDto, HeadroomClient } from '../clients/typescript/src';

export function parseFleetCsv(text: string): CreateServerDto[] {
  const [header, ...lines] = text.split(/\r?\n/).filter((l) => l.trim() && !l.startsWith('#'));
  const cols = header.split(',').map((c) => c.trim());
  return lines.map((line, i) => {
    const cells = line.split(',').map((c) => c.trim());
    const row = Object.fromEntries(cols.map((c, j) => [c, cells[j] ?? '']));
    if (!row.name || !row.host || !/^\d+$/.test(row.port)) throw new Error(`line ${i + 2}: need name, host and a numeric port`);
    const labels = row.labels ? Object.fromEntries(row.labels.split(';').map((kv) => kv.split('=', 2) as [string, string])) : undefined;
    return { name: row.name, host: row.host, port: Number(row.port), zone: row.zone || undefined, weight: row.weight ? Number(row.weight) : undefined, labels };
  });
}

async function main(): Promise<number> {
  const file = process.argv[2];
  if (!file) {
    console.error('usage: register-fleet <servers.csv>');
    return 1;
  }
  const client = new HeadroomClient({ BASE: process.env.HEADROOM_URL ?? 'http://127.0.0.1:8080', TOKEN: process.env.HEADROOM_API_KEY });
  let failed = 0;
  for (const server of parseFleetCsv(readFileSync(file, 'utf8'))) {
    try {
      const created = await client.servers.registerServer({ requestBody: server });
      console.log(`registered ${created.name} ${created.host}:${created.port} as ${created.id}`);
    } catch (err) {
      if (err instanceof ApiError && err.status === 409) {
        console.log(`exists     ${server.name} (${err.body?.detail ?? 'conflict'})`);
        continue;
      }
      failed += 1;
      const detail = err instanceof ApiError ? `${err.status} ${err.body?.title ?? ''} ${err.body?.detail ?? ''}` : String(err);
      console.error(`failed     ${server.name}: ${detail.trim()}`);
    }
  }
  return failed ? 2 : 0;
}

if (require.main === module) {
  main().then((code) => (process.exitCode = code), (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exitCode = 3;
  });
}
