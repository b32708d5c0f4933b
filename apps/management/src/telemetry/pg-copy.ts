import type { PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { EntityManager } from 'typeorm';

const SPECIAL = /[\\\n\r\t]/;
const SPECIALS = /[\\\n\r\t]/g;
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** One value in COPY's text format: \N for null, t/f, and backslash escapes for the four characters that would end a field or a row. */
export function copyField(v: unknown): string {
  if (v === null || v === undefined) return '\\N';
  if (typeof v === 'number') return String(v); // never holds a character to escape
  if (typeof v === 'boolean') return v ? 't' : 'f';
  const s = String(v);
  return SPECIAL.test(s) ? s.replace(SPECIALS, (c) => ESCAPES[c]) : s;
}

/** Rows in COPY's text format: tab-separated fields, one line per row. */
export function copyText<T>(columns: ReadonlyArray<readonly [string, string, (r: T) => unknown]>, rows: readonly T[]): string {
  let text = '';
  for (const r of rows) {
    for (let i = 0; i < columns.length; i++) text += (i ? '\t' : '') + copyField(columns[i][2](r));
    text += '\n';
  }
  return text;
}

/**
 * Bulk insert with COPY FROM STDIN (text format) on the entity manager's connection, so it joins
 * the manager's transaction. Measured against INSERT … SELECT unnest() on 190-row batches of
 * telemetry samples: about 60 % of the database CPU per row and under half the encoding CPU here.
 * COPY has no ON CONFLICT: callers insert only rows they know are new.
 */
export async function copyRows<T>(m: EntityManager, table: string, columns: ReadonlyArray<readonly [string, string, (r: T) => unknown]>, rows: readonly T[]): Promise<void> {
  if (!rows.length) return;
  const text = copyText(columns, rows);
  const client = (await m.queryRunner!.connect()) as PoolClient;
  await new Promise<void>((resolve, reject) => {
    const stream = client.query(copyFrom(`COPY ${table} (${columns.map(([c]) => `"${c}"`).join(', ')}) FROM STDIN`));
    stream.on('finish', resolve);
    stream.on('error', reject);
    stream.end(text);
  });
}
