import { BadRequestException } from '@nestjs/common';

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
