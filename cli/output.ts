/** Exit codes scripts can rely on; printed by `headroom --help` and listed in cli/README.md. */
export const ExitCode = {
  Ok: 0,
  /** bad command line: unknown command or option, missing or malformed value */
  Usage: 1,
  /** the API answered 4xx (validation, auth, not found, conflict, endpoint not on this server) */
  ClientError: 2,
  /** the API answered 5xx, or could not be reached at all */
  ServerError: 3,
} as const;

/** Left-aligned columns separated by two spaces; `null`/`undefined` cells print as "-". */
export function table(headers: string[], rows: Array<Array<string | number | null | undefined>>): string {
  const cells = rows.map((r) => r.map((c) => (c === null || c === undefined || c === '' ? '-' : String(c))));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) =>
    r
      .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(headers), ...cells.map(line)].join('\n');
}

/** Key/value lines for one resource (`get` commands). */
export function details(pairs: Array<[string, unknown]>): string {
  const width = Math.max(...pairs.map(([k]) => k.length));
  return pairs.map(([k, v]) => `${`${k}:`.padEnd(width + 1)}  ${v === null || v === undefined || v === '' ? '-' : typeof v === 'object' ? JSON.stringify(v) : String(v)}`).join('\n');
}

export interface ProblemLike {
  title?: unknown;
  status?: unknown;
  detail?: unknown;
  errors?: unknown;
}

/** One line for a problem+json body: "title (status): detail; field: message, message; ...". */
export function formatProblem(status: number, body: unknown, fallback: string): string {
  const p = (body && typeof body === 'object' ? body : {}) as ProblemLike;
  const title = typeof p.title === 'string' && p.title ? p.title : fallback;
  let line = `${title} (${status})`;
  const detail = typeof p.detail === 'string' ? p.detail : typeof body === 'string' && body.trim() ? body.trim().slice(0, 200) : '';
  if (detail && detail !== title) line += `: ${detail}`;
  if (Array.isArray(p.errors)) {
    const fields = p.errors
      .filter((e): e is { field: unknown; messages?: unknown } => !!e && typeof e === 'object')
      .map((e) => `${String(e.field)}: ${Array.isArray(e.messages) ? e.messages.join(', ') : ''}`);
    if (fields.length) line += `; ${fields.join('; ')}`;
  }
  return line;
}

/** "k=v,k2=v2" for a label map. */
export function formatLabels(labels: Record<string, string> | null | undefined): string {
  return Object.entries(labels ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

/** Parses repeated `--label k=v` values; throws a usage error message on a malformed one. */
export function parseLabels(values: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values) {
    const i = v.indexOf('=');
    if (i <= 0) throw new UsageError(`--label expects key=value, got "${v}"`);
    out[v.slice(0, i)] = v.slice(i + 1);
  }
  return out;
}

/** A command-line mistake found after parsing (exit code 1). */
export class UsageError extends Error {}

/** Parses an integer option, or throws a UsageError naming it. */
export function parseIntOption(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^-?\d+$/.test(value)) throw new UsageError(`${name} expects an integer, got "${value}"`);
  return Number(value);
}
