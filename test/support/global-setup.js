// e2e suites spawn the built apps (agent, demo backend) as real processes, so
// make sure dist/ is current before any suite starts. Type errors are the
// typecheck step's business (npm test runs it first); tsc still emits on them.
const { spawnSync } = require('node:child_process');
const path = require('node:path');
const { Client } = require('pg');

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

// Suites name their databases hr_test_<suite>_<pid> (test/support/database.ts); a run killed
// before its afterAll leaves them behind, so drop those whose process is gone.
async function dropOrphanDatabases() {
  const admin = new Client({ connectionString: process.env.TEST_DATABASE_ADMIN_URL || 'postgres://postgres@127.0.0.1:5432/postgres' });
  await admin.connect();
  try {
    const { rows } = await admin.query(String.raw`SELECT datname FROM pg_database WHERE datname ~ '^hr_test_.*_[0-9]+$'`);
    for (const { datname } of rows) {
      if (alive(Number(/_(\d+)$/.exec(datname)[1]))) continue;
      await admin.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
    }
  } finally {
    await admin.end();
  }
}

module.exports = async () => {
  await dropOrphanDatabases().catch((err) => process.stderr.write(`\nglobal-setup: could not drop orphaned test databases: ${err.message}\n`));
  const root = path.resolve(__dirname, '../..');
  const res = spawnSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: root, encoding: 'utf8' });
  if (res.status !== 0) process.stderr.write(`\nglobal-setup: tsc reported errors (dist/ was still emitted):\n${(res.stdout || '').slice(0, 4000)}\n`);
};
