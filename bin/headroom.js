#!/usr/bin/env node
// The `headroom` CLI (cli/main.ts, compiled by `npm run build` into dist/cli).
'use strict';
const path = require('node:path');
const fs = require('node:fs');

const entry = path.join(__dirname, '..', 'dist', 'cli', 'main.js');
if (!fs.existsSync(entry)) {
  // A fresh checkout after `npm ci`: build once so `npx headroom` works straight away.
  process.stderr.write('headroom: building the CLI (npm run build) ...\n');
  const { execFileSync } = require('node:child_process');
  try {
    execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', path.join(__dirname, '..', 'tsconfig.build.json')], { cwd: path.join(__dirname, '..'), stdio: 'inherit' });
  } catch {
    process.stderr.write('headroom: the build failed; run `npm run build` to see why\n');
    process.exit(1);
  }
}
require(entry).main();
