import { request } from 'undici';
import type { BackendLoadDto, LoadValueDto } from '../../../../libs/protocol/src/report';

const MAX_BYTES = 64 * 1024;
const MAX_VALUES = 16;
const NAME = /^[A-Za-z_][A-Za-z0-9_.]{0,63}$/;

/**
 * Parses what a backend publishes about its own load: a JSON object of numbers (top level or
 * nested one level, flattened as "a.b"), or Prometheus text (unlabelled samples). At most 16 values.
 */
export function parseLoad(body: string, contentType: string): BackendLoadDto {
  const values: LoadValueDto[] = [];
  const push = (name: string, value: unknown) => {
    if (values.length < MAX_VALUES && NAME.test(name) && typeof value === 'number' && Number.isFinite(value)) values.push({ name, value });
  };
  const trimmed = body.trimStart();
  if (/json/.test(contentType) || trimmed.startsWith('{')) {
    const obj = JSON.parse(body) as unknown;
    if (!obj || typeof obj !== 'object' || Array.isArray(obj)) return { format: 'json', error: 'not a JSON object', values };
    for (const [k, v] of Object.entries(obj)) {
      if (v && typeof v === 'object' && !Array.isArray(v)) for (const [k2, v2] of Object.entries(v)) push(`${k}.${k2}`, v2);
      else push(k, v);
    }
    return { format: 'json', values };
  }
  for (const line of body.split('\n')) {
    const m = /^([A-Za-z_:][A-Za-z0-9_:]*)\s+(\S+)/.exec(line);
    if (m && !line.startsWith('#')) push(m[1].replace(/:/g, '_'), Number(m[2]));
  }
  return { format: 'prometheus', values };
}

/** GETs a backend's loadEndpoint with a short timeout; failures become `error`, never throw. */
export async function scrapeLoad(origin: string, path: string, timeoutMs: number): Promise<BackendLoadDto> {
  try {
    const res = await request(new URL(path, origin), { method: 'GET', headersTimeout: timeoutMs, bodyTimeout: timeoutMs, headers: { accept: 'application/json, text/plain;q=0.9' } });
    const type = String(res.headers['content-type'] ?? '');
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of res.body) {
      size += (chunk as Buffer).length;
      if (size > MAX_BYTES) {
        res.body.destroy();
        return { format: /json/.test(type) ? 'json' : 'prometheus', error: 'load document too large', values: [] };
      }
      chunks.push(chunk as Buffer);
    }
    if (res.statusCode !== 200) return { format: /json/.test(type) ? 'json' : 'prometheus', error: `status ${res.statusCode}`, values: [] };
    return parseLoad(Buffer.concat(chunks).toString('utf8'), type);
  } catch (err) {
    return { format: 'json', error: String((err as Error).message ?? err).slice(0, 200), values: [] };
  }
}
