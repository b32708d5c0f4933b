import { Client } from 'pg';

/** One statement on a connection of its own: its rows. */
export async function sql(url: string, q: string): Promise<Array<Record<string, unknown>>> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query(q)).rows;
  } finally {
    await c.end();
  }
}

/**
 * A fresh, empty database `name` on the server `adminUrl` points at (dropped first if a run left
 * it behind): its URL, and drop() for the end of the run.
 */
export async function scratchDatabase(adminUrl: string, name: string): Promise<{ url: string; drop: () => Promise<void> }> {
  await sql(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await sql(adminUrl, `CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: async () => void (await sql(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)) };
}
