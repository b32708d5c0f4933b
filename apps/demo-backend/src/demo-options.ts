/** Flags and environment of the demo backend; a flag wins over its environment variable. */
export interface DemoOptions {
  host: string;
  port: number;
  /** Added to every ordinary request (not /health, /load, /bytes, /echo). */
  latencyMs: number;
  /** Busy CPU time per ordinary request. */
  cpuMs: number;
  /** Share of ordinary requests answered 500, 0..1. */
  errorRate: number;
  /** Size of an ordinary response body. */
  bodyBytes: number;
  /** At most this many ordinary requests are worked on at once; the rest queue (0 = no limit). A finite capacity, so overload shows as latency. */
  maxConcurrency: number;
  /** Print `<METHOD> <x-request-id>` on stdout for every request that is not a GET/HEAD. */
  logRequests: boolean;
}

const FLAGS: Record<string, { env: string; key: keyof DemoOptions; kind: 'int' | 'float' | 'string' | 'bool' }> = {
  '--host': { env: 'HOST', key: 'host', kind: 'string' },
  '--port': { env: 'PORT', key: 'port', kind: 'int' },
  '--latency-ms': { env: 'LATENCY_MS', key: 'latencyMs', kind: 'int' },
  '--cpu-ms': { env: 'CPU_MS', key: 'cpuMs', kind: 'float' },
  '--error-rate': { env: 'ERROR_RATE', key: 'errorRate', kind: 'float' },
  '--body-bytes': { env: 'BODY_BYTES', key: 'bodyBytes', kind: 'int' },
  '--max-concurrency': { env: 'MAX_CONCURRENCY', key: 'maxConcurrency', kind: 'int' },
  '--log-requests': { env: 'LOG_REQUESTS', key: 'logRequests', kind: 'bool' },
};

export class DemoOptionsError extends Error {}

export function parseDemoOptions(argv: string[], env: Record<string, string | undefined> = {}): DemoOptions {
  const out: DemoOptions = { host: '127.0.0.1', port: 9001, latencyMs: 0, cpuMs: 0, errorRate: 0, bodyBytes: 100, maxConcurrency: 0, logRequests: false };
  const raw: Partial<Record<keyof DemoOptions, string>> = {};
  for (const f of Object.values(FLAGS)) if (env[f.env] !== undefined && env[f.env] !== '') raw[f.key] = env[f.env];
  for (let i = 0; i < argv.length; i++) {
    const [name, inline] = argv[i].split('=', 2);
    const f = FLAGS[name];
    if (!f) throw new DemoOptionsError(`unknown option ${name}; known: ${Object.keys(FLAGS).join(' ')}`);
    if (f.kind === 'bool') raw[f.key] = inline ?? 'true';
    else {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new DemoOptionsError(`${name} needs a value`);
      raw[f.key] = v;
    }
  }
  for (const f of Object.values(FLAGS)) {
    const v = raw[f.key];
    if (v === undefined) continue;
    const name = Object.keys(FLAGS).find((k) => FLAGS[k] === f);
    if (f.kind === 'string') (out as unknown as Record<string, unknown>)[f.key] = v;
    else if (f.kind === 'bool') (out as unknown as Record<string, unknown>)[f.key] = v === 'true' || v === '1';
    else {
      const n = Number(v);
      if (!Number.isFinite(n) || n < 0 || (f.kind === 'int' && !Number.isInteger(n))) throw new DemoOptionsError(`${name} must be a non-negative ${f.kind === 'int' ? 'integer' : 'number'}, got ${JSON.stringify(v)}`);
      (out as unknown as Record<string, unknown>)[f.key] = n;
    }
  }
  if (out.port > 65535) throw new DemoOptionsError('--port must be at most 65535');
  if (out.errorRate > 1) throw new DemoOptionsError('--error-rate must be between 0 and 1');
  return out;
}
