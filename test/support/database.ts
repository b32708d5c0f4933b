import { Client } from 'pg';

const ADMIN_URL = process.env.TEST_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/**
 * The suffix that keeps this test process's databases and Redis keys apart from any other run's
 * (a second checkout's CI, a developer's single suite): its process id.
 */
export const RUN_ID = String(process.pid);

/** The database name of a suite in this run: hr_test_<suite>_<pid>. */
export function suiteDatabaseName(suite: string): string {
  return `hr_test_${suite.replace(/[^a-z0-9_]/gi, '_').toLowerCase().slice(0, 45)}_${RUN_ID}`;
}

/** The Redis key prefix of a suite in this run. */
export function suitePrefix(suite: string): string {
  return `hrt-${suite}-${RUN_ID}`;
}

/** A fresh, empty database for one suite; dropped again by the returned function. */
export async function createSuiteDatabase(suite: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = suiteDatabaseName(suite);
  const admin = new Client({ connectionString: ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const base = new URL(ADMIN_URL);
  base.pathname = `/${name}`;
  return { url: base.toString(), drop: () => dropSuiteDatabase(suite) };
}

/** Drops a suite's database of this run, if it exists (closing any connection still open to it). */
export async function dropSuiteDatabase(suite: string): Promise<void> {
  const c = new Client({ connectionString: ADMIN_URL });
  await c.connect();
  try {
    await c.query(`DROP DATABASE IF EXISTS ${suiteDatabaseName(suite)} WITH (FORCE)`);
  } finally {
    await c.end();
  }
}
