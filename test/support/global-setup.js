// e2e suites spawn the built apps (agent, demo backend) as real processes, so
// make sure dist/ is current before any suite starts. Type errors are the
// typecheck step's business (npm test runs it first); tsc still emits on them.
const { spawnSync } = require('node:child_process');
const path = require('node:path');

module.exports = async () => {
  const root = path.resolve(__dirname, '../..');
  const res = spawnSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: root, encoding: 'utf8' });
  if (res.status !== 0) process.stderr.write(`\nglobal-setup: tsc reported errors (dist/ was still emitted):\n${(res.stdout || '').slice(0, 4000)}\n`);
};
