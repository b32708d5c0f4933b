import { buildDownstreamHeaders, buildUpstreamHeaders, connectionTokens } from './headers';

function toMap(flat: string[]): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (let i = 0; i < flat.length; i += 2) {
    const k = flat[i].toLowerCase();
    m.set(k, [...(m.get(k) ?? []), flat[i + 1]]);
  }
  return m;
}

describe('buildUpstreamHeaders', () => {
  const ctx = { remoteAddress: '10.0.0.9', proto: 'http' };

  it.each(['Connection', 'Keep-Alive', 'Proxy-Connection', 'TE', 'Trailer', 'Transfer-Encoding', 'Upgrade', 'Expect'])('drops %s', (name) => {
    const { headers } = buildUpstreamHeaders(['Host', 'a', name, 'x'], ctx);
    expect(toMap(headers).has(name.toLowerCase())).toBe(false);
  });

  it('drops the headers named in Connection, across several Connection headers and any case', () => {
    const raw = ['Host', 'a', 'Connection', 'X-Secret, keep-alive', 'connection', ' x-other ', 'X-Secret', '1', 'X-Other', '2', 'X-Kept', '3'];
    const m = toMap(buildUpstreamHeaders(raw, ctx).headers);
    expect(m.has('x-secret')).toBe(false);
    expect(m.has('x-other')).toBe(false);
    expect(m.get('x-kept')).toEqual(['3']);
  });

  it('appends the client to X-Forwarded-For and overrides -Proto and -Host', () => {
    const raw = ['Host', 'shop.example', 'X-Forwarded-For', '1.1.1.1', 'X-Forwarded-For', '2.2.2.2', 'X-Forwarded-Proto', 'https', 'X-Forwarded-Host', 'evil'];
    const m = toMap(buildUpstreamHeaders(raw, ctx).headers);
    expect(m.get('x-forwarded-for')).toEqual(['1.1.1.1, 2.2.2.2, 10.0.0.9']);
    expect(m.get('x-forwarded-proto')).toEqual(['http']);
    expect(m.get('x-forwarded-host')).toEqual(['shop.example']);
    expect(m.get('host')).toEqual(['shop.example']);
  });

  it('keeps a sane X-Request-Id and replaces a hostile one', () => {
    expect(buildUpstreamHeaders(['X-Request-Id', 'abc-123'], ctx).requestId).toBe('abc-123');
    const replaced = buildUpstreamHeaders(['X-Request-Id', 'a b<script>'], ctx);
    expect(replaced.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(toMap(replaced.headers).get('x-request-id')).toEqual([replaced.requestId]);
  });

  it('keeps Upgrade for upgrade requests, with Connection: upgrade', () => {
    const m = toMap(buildUpstreamHeaders(['Host', 'a', 'Connection', 'Upgrade', 'Upgrade', 'websocket'], { ...ctx, upgrade: true }).headers);
    expect(m.get('upgrade')).toEqual(['websocket']);
    expect(m.get('connection')).toEqual(['upgrade']);
  });
});

describe('buildDownstreamHeaders', () => {
  it('drops hop-by-hop and Connection-listed headers, keeps repeated ones, adds the request id', () => {
    const raw = ['X-Hop', '1', 'Connection', 'x-hop', 'Keep-Alive', 'timeout=5', 'Transfer-Encoding', 'chunked', 'Set-Cookie', 'a=1', 'Set-Cookie', 'b=2', 'Content-Type', 'text/plain'].map((s) => Buffer.from(s, 'latin1'));
    const m = toMap(buildDownstreamHeaders(raw, 'rid'));
    expect([...m.keys()].sort()).toEqual(['content-type', 'set-cookie', 'x-request-id']);
    expect(m.get('set-cookie')).toEqual(['a=1', 'b=2']);
    expect(m.get('x-request-id')).toEqual(['rid']);
  });

  it('leaves a backend X-Request-Id alone', () => {
    expect(toMap(buildDownstreamHeaders(['X-Request-Id', 'theirs'], 'ours')).get('x-request-id')).toEqual(['theirs']);
  });
});

describe('connectionTokens', () => {
  it('splits, trims and lower-cases', () => {
    expect([...connectionTokens(['Keep-Alive, X-A', ' ,x-b '])]).toEqual(['keep-alive', 'x-a', 'x-b']);
  });
});
