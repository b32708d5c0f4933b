#!/usr/bin/env node
// The `headroom` CLI (cli/main.ts, compiled by `npm run build` into dist/cli).
'use strict';
const path = require('node:path');
const fs = require('node:fs');

const root = path.join(__dirname, '..');
const entry = path.join(root, 'dist', 'cli', 'main.js');
// What the CLI is compiled from: its own sources and the generated client.
const SOURCES = [path.join(root, 'cli'), path.join(root, 'clients', 'typescript', 'src')];

/** The newest modification time of the .ts files under dirs (0 when there are none, e.g. an installed package). */
function newestSource(dirs) {
  let newest = 0;
  const walk = (dir) => {
    let entries;
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts') && !e.name.endsWith('.spec.ts')) newest = Math.max(newest, fs.statSync(p).mtimeMs);
    }
  };
  dirs.forEach(walk);
  return newest;
}

const built = fs.existsSync(entry) ? fs.statSync(entry).mtimeMs : 0;
// A fresh checkout after `npm ci`, or sources edited since the last build (a git pull): build first,
// so `npx headroom` never runs a CLI older than the checkout.
if (!built || newestSource(SOURCES) > built) {
  process.stderr.write(`headroom: ${built ? 'sources changed since the last build' : 'no build yet'}; building (npm run build) ...\n`);
  const { execFileSync } = require('node:child_process');
  try {
    execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', path.join(root, 'tsconfig.build.json')], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  } catch {
    if (!fs.existsSync(entry)) {
      process.stderr.write('headroom: the build failed; run `npm run build` to see why\n');
      process.exit(1);
    }
    // tsc emits despite type errors; those are `npm run typecheck`'s business.
    process.stderr.write('headroom: tsc reported errors (run `npm run build` to see them); running what it emitted\n');
  }
  // The build is incremental: a source touched but not changed emits nothing, so mark the build as
  // current, or every run would build again.
  const now = new Date();
  fs.utimesSync(entry, now, now);
}
require(entry).main();
