/**
 * Header handling for the proxy: hop-by-hop removal (RFC 9110 §7.6.1, plus the RFC 7230 list
 * proxies still meet), X-Forwarded-* and the request id.
 */
import { randomUUID } from 'node:crypto';

/** Connection-specific headers a proxy must not forward, whatever `Connection` says. */
export const HOP_BY_HOP = new Set([
  'connection', 'proxy-connection', 'keep-alive', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'http2-settings',
]);

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The lower-cased header names listed in `Connection` header values. */
export function connectionTokens(values: Iterable<string>): Set<string> {
  const out = new Set<string>();
  for (const v of values) {
    for (const t of v.split(',')) {
      const name = t.trim().toLowerCase();
      if (name) out.add(name);
    }
  }
  return out;
}

export interface ForwardContext {
  /** The client's address as the agent saw it. */
  remoteAddress: string | undefined;
  /** `http` or `https`: the scheme the client used to reach the agent. */
  proto: string;
  /** Keep `Upgrade` and send `Connection: upgrade` (WebSocket and other upgrades). */
  upgrade?: boolean;
}

export interface UpstreamHeaders {
  /** Flat [name, value, name, value, …] list, the form undici and raw writers take. */
  headers: string[];
  requestId: string;
}

/**
 * Builds the header list sent to a backend from a client request's raw headers: drops
 * hop-by-hop headers and those named in `Connection`, drops `Expect` (Node has already answered
 * `100-continue` to the client), appends the client to X-Forwarded-For, sets X-Forwarded-Proto
 * and X-Forwarded-Host from what the agent saw (never trusting the client's), and keeps a sane
 * incoming X-Request-Id or makes one.
 */
export function buildUpstreamHeaders(raw: readonly string[], ctx: ForwardContext): UpstreamHeaders {
  let listed: Set<string> | null = null;
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i].length === 10 && raw[i].toLowerCase() === 'connection') {
      listed ??= new Set();
      for (const t of connectionTokens([raw[i + 1]])) listed.add(t);
    }
  }
  const out: string[] = [];
  let xff: string | undefined;
  let host: string | undefined;
  let requestId: string | undefined;
  let upgradeValue: string | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i].toLowerCase();
    const value = raw[i + 1];
    if (name === 'host') {
      // A second Host is dropped: the first is the one Node routed by.
      if (host === undefined) out.push(raw[i], value);
      host ??= value;
      continue;
    }
    if (name === 'upgrade') upgradeValue ??= value;
    if (HOP_BY_HOP.has(name) || name === 'expect' || (listed !== null && listed.has(name))) continue;
    switch (name) {
      case 'x-forwarded-for':
        xff = xff === undefined ? value : `${xff}, ${value}`;
        continue;
      case 'x-forwarded-proto':
      case 'x-forwarded-host':
        continue;
      case 'x-request-id':
        if (requestId === undefined && REQUEST_ID.test(value)) requestId = value;
        continue;
    }
    out.push(raw[i], value);
  }
  const client = ctx.remoteAddress ?? 'unknown';
  requestId ??= randomUUID();
  out.push('x-forwarded-for', xff === undefined ? client : `${xff}, ${client}`, 'x-forwarded-proto', ctx.proto, 'x-request-id', requestId);
  if (host !== undefined) out.push('x-forwarded-host', host);
  if (ctx.upgrade && upgradeValue !== undefined) out.push('connection', 'upgrade', 'upgrade', upgradeValue);
  return { headers: out, requestId };
}

/**
 * Builds the header list sent to the client from a backend's raw response headers (undici hands
 * them over as [name, value, …] buffers): drops hop-by-hop headers and those named in
 * `Connection` (Node frames the body itself), and adds X-Request-Id unless the backend set one.
 */
export function buildDownstreamHeaders(raw: ReadonlyArray<Buffer | string>, requestId: string): string[] {
  const out: string[] = [];
  let listed: Set<string> | null = null;
  let sawRequestId = false;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i].toString('latin1');
    const lower = name.toLowerCase();
    const value = raw[i + 1].toString('latin1');
    if (HOP_BY_HOP.has(lower)) {
      if (lower === 'connection') {
        listed ??= new Set();
        for (const t of connectionTokens([value])) listed.add(t);
      }
      continue;
    }
    if (lower === 'x-request-id') sawRequestId = true;
    out.push(name, value);
  }
  if (listed !== null) {
    const kept: string[] = [];
    for (let i = 0; i < out.length; i += 2) if (!listed.has(out[i].toLowerCase())) kept.push(out[i], out[i + 1]);
    if (!sawRequestId) kept.push('x-request-id', requestId);
    return kept;
  }
  if (!sawRequestId) out.push('x-request-id', requestId);
  return out;
}
