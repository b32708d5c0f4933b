// e2e suites spawn the built apps (agent, demo backend) as real processes, so
// make sure dist/ is current before any suite starts. Type errors are the
// typecheck step's business (npm test runs it first); tsc still emits on them.
const { spawnSync } = require('node:child_process');
const path = require('node:path');
const { Client } = require('pg');
const IORedis = require('ioredis').default;

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

// Suites name their databases hr_test_<suite>_<pid> (test/support/database.ts); a run killed
// before its afterAll leaves them behind, so drop those whose process is gone. (A passing suite
// removes its own; this is the fallback.)
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

// Likewise their Redis keys (hrt-<suite>-<pid>:..., test/support/database.ts): delete those whose process is gone.
async function deleteOrphanRedisKeys() {
  const redis = new IORedis(process.env.TEST_REDIS_URL || 'redis://127.0.0.1:6379', { maxRetriesPerRequest: 1, lazyConnect: true, retryStrategy: () => null });
  redis.on('error', () => undefined); // connect() rejects with it
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', 'hrt-*', 'COUNT', 1000);
      cursor = next;
      const orphans = keys.filter((key) => {
        const pid = /^hrt-[^:]*-(\d+):/.exec(key);
        return pid && !alive(Number(pid[1]));
      });
      if (orphans.length) await redis.del(...orphans);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

module.exports = async () => {
  await dropOrphanDatabases().catch((err) => process.stderr.write(`\nglobal-setup: could not drop orphaned test databases: ${err.message}\n`));
  await deleteOrphanRedisKeys().catch((err) => process.stderr.write(`\nglobal-setup: could not delete orphaned test Redis keys: ${err.message}\n`));
  const root = path.resolve(__dirname, '../..');
  const res = spawnSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: root, encoding: 'utf8' });
  if (res.status !== 0) process.stderr.write(`\nglobal-setup: tsc reported errors (dist/ was still emitted):\n${(res.stdout || '').slice(0, 4000)}\n`);
};
