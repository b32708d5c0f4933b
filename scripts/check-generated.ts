import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { generateClient } from './clients';
import { ROOT, writeOpenApi } from './openapi';

function listFiles(dir: string): string[] {
  let out: string[] = [];
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of entries) {
    const full = join(dir, name);
    out = statSync(full).isDirectory() ? out.concat(listFiles(full)) : out.concat(full);
  }
  return out;
}

/** Differences between a committed tree and a fresh one, as "changed|missing|extra path" lines. */
export function diffTrees(committed: string, fresh: string, label: string): string[] {
  const a = new Set(listFiles(committed).map((f) => relative(committed, f)));
  const b = new Set(listFiles(fresh).map((f) => relative(fresh, f)));
  const out: string[] = [];
  for (const f of [...b].sort()) {
    if (!a.has(f)) out.push(`missing   ${join(label, f)} (generated but not committed)`);
    else if (!readFileSync(join(committed, f)).equals(readFileSync(join(fresh, f)))) out.push(`changed   ${join(label, f)}`);
  }
  for (const f of [...a].sort()) if (!b.has(f)) out.push(`extra     ${join(label, f)} (committed but no longer generated)`);
  return out;
}

/** Regenerates the OpenAPI document and the client into a temp dir and compares with the checkout. */
export async function checkGenerated(): Promise<string[]> {
  const tmp = mkdtempSync(join(tmpdir(), 'headroom-generated-'));
  try {
    await writeOpenApi(join(tmp, 'openapi'));
    await generateClient(join(tmp, 'openapi', 'openapi.json'), join(tmp, 'client'));
    const docDiff = ['openapi.json', 'openapi.yaml'].flatMap((f) => {
      const committed = join(ROOT, 'openapi', f);
      let same = false;
      try {
        same = readFileSync(committed).equals(readFileSync(join(tmp, 'openapi', f)));
      } catch {
        return [`missing   openapi/${f}`];
      }
      return same ? [] : [`changed   openapi/${f}`];
    });
    return [...docDiff, ...diffTrees(join(ROOT, 'clients', 'typescript', 'src'), join(tmp, 'client'), 'clients/typescript/src')];
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

if (require.main === module) {
  checkGenerated().then(
    (diff) => {
      if (diff.length === 0) {
        console.log('generated files are current: openapi/ and clients/typescript/src match the controllers');
        process.exit(0);
      }
      console.error(`generated files are stale (${diff.length}); run \`npm run generate\` and commit the result:\n  ${diff.join('\n  ')}`);
      process.exit(1);
    },
    (err: unknown) => {
      console.error(err instanceof Error ? err.message : err);
      process.exit(1);
    },
  );
}
