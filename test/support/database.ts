import { Client } from 'pg';

const ADMIN_URL = process.env.TEST_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** A fresh, empty database for one suite; dropped again by the returned function. */
export async function createSuiteDatabase(suite: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `hr_test_${suite.replace(/[^a-z0-9_]/gi, '_').toLowerCase()}`.slice(0, 60);
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
  return {
    url: base.toString(),
    drop: async () => {
      const c = new Client({ connectionString: ADMIN_URL });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}
