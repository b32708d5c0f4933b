import { Readable } from 'node:stream';
import { configDoc, DemoBackend, killAll, RunningAgent, startAgent, startBackend } from './agent-harness';

const MiB = 1024 * 1024;
const SIZE = 100 * MiB;

/** Samples the agent's RSS every 20 ms while `work` runs; returns the peak. */
async function peakRss<T>(agent: RunningAgent, work: () => Promise<T>): Promise<{ peak: number; result: T }> {
  let peak = await agent.rss();
  const timer = setInterval(() => void agent.rss().then((r) => (peak = Math.max(peak, r)), () => undefined), 20);
  try {
    const result = await work();
    return { peak: Math.max(peak, await agent.rss()), result };
  } finally {
    clearInterval(timer);
  }
}

function zeros(total: number): Readable {
  const chunk = Buffer.alloc(64 * 1024);
  let left = total;
  return new Readable({
    read() {
      if (left <= 0) return this.push(null);
      const c = left >= chunk.length ? chunk : chunk.subarray(0, left);
      left -= c.length;
      this.push(c);
    },
  });
}

describe('agent data plane: streaming 100 MiB bodies', () => {
  let backend: DemoBackend;
  let agent: RunningAgent;
  let baseline: number;

  beforeAll(async () => {
    backend = await startBackend();
    agent = await startAgent(configDoc([{ backends: [{ port: backend.port }] }]));
    await agent.waitHealthy(1);
    // Warm up so the baseline includes what a running agent always holds.
    for (let i = 0; i < 20; i++) await (await agent.pool.request({ path: '/bytes/65536', method: 'GET' })).body.dump();
    baseline = await agent.rss();
  });
  afterAll(async () => {
    await agent?.close();
    await killAll();
  });

  it('streams a 100 MiB download with agent RSS growing < 50 MiB', async () => {
    const { peak, result } = await peakRss(agent, async () => {
      const res = await agent.pool.request({ path: `/bytes/${SIZE}`, method: 'GET' });
      let n = 0;
      for await (const c of res.body) n += (c as Buffer).length;
      return { status: res.statusCode, n };
    });
    expect(result).toEqual({ status: 200, n: SIZE });
    expect(peak - baseline).toBeLessThan(50 * MiB);
  });

  it('streams a 100 MiB chunked upload with agent RSS growing < 50 MiB', async () => {
    const { peak, result } = await peakRss(agent, async () => {
      const res = await agent.pool.request({ path: '/count', method: 'POST', body: zeros(SIZE) });
      return { status: res.statusCode, body: await res.body.json() };
    });
    expect(result).toEqual({ status: 200, body: { bytes: SIZE } });
    expect(peak - baseline).toBeLessThan(50 * MiB);
  });

  it('echoes a 16 MiB body with Content-Length both ways, byte for byte', async () => {
    const size = 16 * MiB;
    const res = await agent.pool.request({ path: '/echo', method: 'PUT', headers: { 'content-length': String(size) }, body: zeros(size) });
    let n = 0;
    let nonZero = 0;
    for await (const c of res.body) {
      n += (c as Buffer).length;
      for (const byte of c as Buffer) if (byte !== 0) nonZero++;
    }
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-length']).toBe(String(size));
    expect({ n, nonZero }).toEqual({ n: size, nonZero: 0 });
  });
});
