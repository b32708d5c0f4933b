import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** A new secret as `<prefix>_<lookup>_<secret>`: the lookup finds the row, only sha256(secret) is stored. */
export function newSecret(prefix: string): { token: string; lookup: string; secretHash: string } {
  const lookup = randomBytes(8).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  return { token: `${prefix}_${lookup}_${secret}`, lookup, secretHash: hashSecret(secret) };
}

// The secrets are 256 random bits, so one SHA-256 is enough (as for GitHub tokens); a slow KDF
// would only cost CPU on every request without adding strength.
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** Splits a presented token; null when it is not of our shape. */
export function parseSecret(token: string, prefix: string): { lookup: string; secret: string } | null {
  const m = new RegExp(`^${prefix}_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$`).exec(token);
  return m ? { lookup: m[1], secret: m[2] } : null;
}

export function secretMatches(secret: string, storedHash: string): boolean {
  const a = Buffer.from(hashSecret(secret), 'hex');
  const b = Buffer.from(storedHash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}
