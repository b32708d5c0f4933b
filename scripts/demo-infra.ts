import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import IORedis from 'ioredis';
import { Client } from 'pg';

const have = (bin: string) => spawnSync('sh', ['-c', `command -v ${bin}`]).status === 0;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function postgresAnswers(url: string): Promise<boolean> {
  const c = new Client({ connectionString: url, connectionTimeoutMillis: 1500 });
  try {
    await c.connect();
    await c.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await c.end().catch(() => undefined);
  }
}

async function redisAnswers(url: string): Promise<boolean> {
  const r = new IORedis(url, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 1500, retryStrategy: () => null });
  try {
    await r.connect();
    return (await r.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    r.disconnect();
  }
}

/**
 * Makes sure PostgreSQL and Redis answer: starts the local ones when their binaries are
 * installed, otherwise throws with the exact commands to install them.
 */
export async function ensureInfra(databaseUrl: string, redisUrl: string, say: (s: string) => void): Promise<void> {
  const adminUrl = new URL(databaseUrl);
  adminUrl.pathname = '/postgres';
  if (!(await postgresAnswers(adminUrl.toString()))) {
    const clusters = existsSync('/etc/postgresql') ? readdirSync('/etc/postgresql') : [];
    if (!clusters.length || !have('pg_ctlcluster')) {
      throw new Error('PostgreSQL is not running and not installed. Install and start it with:\n  sudo apt-get install -y postgresql && sudo pg_ctlcluster $(ls /etc/postgresql) main start');
    }
    say(`starting PostgreSQL ${clusters[clusters.length - 1]}`);
    execFileSync('pg_ctlcluster', ['--skip-systemctl-redirect', clusters[clusters.length - 1], 'main', 'start'], { stdio: 'ignore' });
    for (let i = 0; i < 40 && !(await postgresAnswers(adminUrl.toString())); i++) await sleep(250);
    if (!(await postgresAnswers(adminUrl.toString()))) throw new Error(`PostgreSQL still does not answer at ${adminUrl.host}`);
  }
  // Create the demo database when it is missing.
  const name = new URL(databaseUrl).pathname.slice(1) || 'headroom';
  const admin = new Client({ connectionString: adminUrl.toString() });
  await admin.connect();
  try {
    const exists = (await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount;
    if (!exists) {
      say(`creating database ${name}`);
      await admin.query(`CREATE DATABASE "${name.replace(/"/g, '')}"`);
    }
  } finally {
    await admin.end();
  }
  if (!(await redisAnswers(redisUrl))) {
    if (!have('redis-server')) throw new Error('Redis is not running and not installed. Install and start it with:\n  sudo apt-get install -y redis-server && redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no');
    say('starting a throwaway Redis on 127.0.0.1:6379 (no persistence)');
    execFileSync('redis-server', ['--daemonize', 'yes', '--bind', '127.0.0.1', '--port', '6379', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    for (let i = 0; i < 40 && !(await redisAnswers(redisUrl)); i++) await sleep(250);
    if (!(await redisAnswers(redisUrl))) throw new Error('Redis still does not answer');
  }
}
