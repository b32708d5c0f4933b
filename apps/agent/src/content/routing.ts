/**
 * The routing table: host and path-prefix rules → service. Built once per configuration and
 * swapped whole, so a request sees one table from start to end.
 */
export interface RouteRule<S> {
  /** Exact host, `*.example.com` (any subdomain, not the apex), or undefined for any host. */
  host?: string;
  /** Path prefix, `/` when undefined. Matches at segment boundaries: `/api` matches `/api` and `/api/x`, not `/apix`. */
  pathPrefix?: string;
  target: S;
}

interface Compiled<S> {
  prefix: string;
  target: S;
}

/** Lower-cases and drops the port and a trailing dot from a Host header value. */
export function normaliseHost(host: string | undefined): string {
  if (!host) return '';
  let h = host.toLowerCase();
  if (h.startsWith('[')) {
    const end = h.indexOf(']');
    return end > 0 ? h.slice(0, end + 1) : h;
  }
  const colon = h.indexOf(':');
  if (colon >= 0) h = h.slice(0, colon);
  return h.endsWith('.') ? h.slice(0, -1) : h;
}

function prefixMatches(path: string, prefix: string): boolean {
  if (prefix === '/') return true;
  if (!path.startsWith(prefix)) return false;
  if (path.length === prefix.length || prefix.endsWith('/')) return true;
  const next = path.charCodeAt(prefix.length);
  return next === 47 /* / */ || next === 63 /* ? */;
}

export class RoutingTable<S> {
  private readonly exact = new Map<string, Compiled<S>[]>();
  /** Wildcard suffixes (`.example.com`), longest first so the most specific wins. */
  private readonly wildcards: { suffix: string; routes: Compiled<S>[] }[] = [];
  private readonly anyHost: Compiled<S>[] = [];

  constructor(rules: readonly RouteRule<S>[]) {
    const wild = new Map<string, Compiled<S>[]>();
    for (const r of rules) {
      const c: Compiled<S> = { prefix: r.pathPrefix ?? '/', target: r.target };
      if (!r.host) this.anyHost.push(c);
      else if (r.host.startsWith('*.')) {
        const suffix = normaliseHost(r.host.slice(1));
        wild.set(suffix, [...(wild.get(suffix) ?? []), c]);
      } else {
        const h = normaliseHost(r.host);
        this.exact.set(h, [...(this.exact.get(h) ?? []), c]);
      }
    }
    const byLength = (a: Compiled<S>, b: Compiled<S>) => b.prefix.length - a.prefix.length;
    for (const list of this.exact.values()) list.sort(byLength);
    for (const [suffix, routes] of wild) this.wildcards.push({ suffix, routes: routes.sort(byLength) });
    this.wildcards.sort((a, b) => b.suffix.length - a.suffix.length);
    this.anyHost.sort(byLength);
  }

  /**
   * The target for a request. Host rules are tried from most to least specific (exact host,
   * then the longest wildcard, then rules without a host); within a host the longest path
   * prefix wins. A more specific host wins over a longer prefix on a less specific one.
   */
  match(hostHeader: string | undefined, path: string): S | undefined {
    const host = normaliseHost(hostHeader);
    const exact = this.exact.get(host);
    if (exact) {
      const hit = first(exact, path);
      if (hit) return hit;
    }
    for (const w of this.wildcards) {
      if (host.length > w.suffix.length && host.endsWith(w.suffix)) {
        const hit = first(w.routes, path);
        if (hit) return hit;
      }
    }
    return first(this.anyHost, path);
  }
}

function first<S>(routes: Compiled<S>[], path: string): S | undefined {
  for (const r of routes) if (prefixMatches(path, r.prefix)) return r.target;
  return undefined;
}
