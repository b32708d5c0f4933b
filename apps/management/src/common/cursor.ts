import { BadRequestException } from '@nestjs/common';
import type { ObjectLiteral, SelectQueryBuilder } from 'typeorm';

/** Keyset cursor over (timestamp, id): stable under inserts, unlike offsets. */
export interface Cursor {
  t: string;
  id: string;
}

export function encodeCursor(t: Date, id: string): string {
  return Buffer.from(JSON.stringify({ t: t.toISOString(), id })).toString('base64url');
}

export function decodeCursor(raw: string | undefined): Cursor | null {
  if (!raw) return null;
  try {
    const c = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as Cursor;
    if (typeof c.t === 'string' && !Number.isNaN(Date.parse(c.t)) && typeof c.id === 'string' && /^[0-9a-f-]{36}$/i.test(c.id)) return c;
  } catch {
    // fall through to the 400 below
  }
  throw new BadRequestException({ message: 'cursor is not valid', errors: [{ field: 'cursor', messages: ['cursor is not valid'] }] });
}

/**
 * One page of a keyset-ordered query: rows after the cursor by (`timeKey`, id), at most `limit`,
 * and the cursor of the next page (null on the last).
 */
export async function keysetPage<T extends ObjectLiteral & { id: string }>(
  qb: SelectQueryBuilder<T>,
  timeKey: keyof T & string,
  rawCursor: string | undefined,
  limit: number,
): Promise<{ rows: T[]; nextCursor: string | null }> {
  const a = qb.alias;
  const cursor = decodeCursor(rawCursor);
  if (cursor) qb.andWhere(`(${a}.${timeKey}, ${a}.id) > (:t, :cid)`, { t: cursor.t, cid: cursor.id });
  const rows = await qb.orderBy(`${a}.${timeKey}`, 'ASC').addOrderBy(`${a}.id`, 'ASC').take(limit + 1).getMany();
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return { rows: page, nextCursor: rows.length > limit && last ? encodeCursor(last[timeKey] as Date, last.id) : null };
}
