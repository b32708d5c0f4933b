// The closed-loop phase of bench:ingest driven by wrk (Debian's `wrk` package) instead of undici
// in this process. The load generator shares the two cores with the management API and
// PostgreSQL, so its CPU per report counts against the target; wrk, in C, spends a fraction of
// what a Node.js client does on the same requests. Used when `wrk` is on the PATH.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Whether wrk can be run here. */
export function haveWrk(): boolean {
  return spawnSync('wrk', ['--version'], { encoding: 'utf8' }).error === undefined;
}

export interface WrkAgent {
  id: string;
  credential: string;
  /** The batch body with stand-ins: `seqToken + k` (matched by `seqPattern`) for the k-th report's seq, `startMark` and `endMark` for its interval. */
  template: string;
}

export interface WrkResult {
  /** Requests answered (any status). */
  requests: number;
  /** The highest seq any agent may have used (sent, answered or not): where the next run may start. */
  seqEnd: number;
  /** Answers other than 2xx, plus socket errors and timeouts. */
  errors: number;
  p50Ms: number;
  p99Ms: number;
  /** CPU seconds wrk used (os.clock() in its done hook). */
  cpuSeconds: number;
  seconds: number;
}

/** A Lua long-bracket string literal (no escaping needed: the body never holds `]=====]`). */
function lua(s: string): string {
  if (s.includes(']=====]')) throw new Error('cannot quote this string for Lua');
  return `[=====[${s}]=====]`;
}

/**
 * Runs wrk with as many connections as agents for `seconds`. Each request is the next report of
 * the next agent in turn: its own credential, its own increasing seq from `seqBase`, an interval
 * that ends now. wrk's Lua hooks cannot tie an agent to a connection, so one agent may have a
 * few posts in flight at once (a real agent, and the node loop, have one); the server stores
 * each (agent, seq) once all the same. Latency is wrk's, from the request's send to its response.
 */
export async function closedLoopWrk(opts: {
  url: string;
  agents: WrkAgent[];
  contentType: string;
  seconds: number;
  batch: number;
  seqBase: number;
  seqToken: number;
  /** Finds the seq stand-ins (a regular expression's source, no groups). */
  seqPattern: string;
  startMark: string;
  endMark: string;
}): Promise<WrkResult> {
  const dir = mkdtempSync(join(tmpdir(), 'hr-bench-wrk-'));
  const split = new RegExp(`(${opts.seqPattern}|${escape(opts.startMark)}|${escape(opts.endMark)})`, 'g');
  // Each template as a list of literal pieces and stand-ins the request hook fills in.
  const agentsLua = opts.agents
    .map((a) => {
      const pieces = a.template.split(split).map((p, i) => {
        if (i % 2 === 0) return lua(p);
        if (p === opts.startMark) return '{"start"}';
        if (p === opts.endMark) return '{"end"}';
        return `{"seq", ${Number(p) - opts.seqToken}}`;
      });
      return `{ path = ${lua(new URL(`/v1/agents/${a.id}/reports`, opts.url).pathname)}, auth = ${lua(`Bearer ${a.credential}`)}, pieces = { ${pieces.join(', ')} } }`;
    })
    .join(',\n');
  const script = `
local agents = { ${agentsLua} }
local seqs = {}
for i = 1, #agents do seqs[i] = ${opts.seqBase} end
local turn = 0
local out = {}
request = function()
  turn = turn % #agents + 1
  local a = agents[turn]
  local t = os.time()
  local stamps = { start = os.date("!%Y-%m-%dT%H:%M:%S.000Z", t - 1), ["end"] = os.date("!%Y-%m-%dT%H:%M:%S.000Z", t) }
  for i, p in ipairs(a.pieces) do
    if type(p) == "string" then out[i] = p
    elseif p[1] == "seq" then out[i] = tostring(seqs[turn] + p[2])
    else out[i] = stamps[p[1]] end
  end
  seqs[turn] = seqs[turn] + ${opts.batch}
  return wrk.format("POST", a.path, { ["Authorization"] = a.auth, ["Content-Type"] = ${lua(opts.contentType)} }, table.concat(out, "", 1, #a.pieces))
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("WRK %d %d %d %.3f %.3f %.4f %.3f\\n", summary.requests, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, os.clock(), summary.duration / 1e6))
end
`;
  const file = join(dir, 'ingest.lua');
  writeFileSync(file, script);
  try {
    // One thread: it keeps every agent's seq in one Lua state, and one core of C is plenty.
    const wrk = spawn('wrk', ['-t1', `-c${opts.agents.length}`, `-d${opts.seconds}s`, '--timeout', '10s', '-s', file, opts.url], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    wrk.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    wrk.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve, reject) => {
      wrk.once('error', reject); // not started (no `exit` follows)
      wrk.once('exit', resolve);
    });
    const m = /^WRK (\d+) (\d+) (\d+) (\S+) (\S+) (\S+) (\S+)$/m.exec(stdout);
    if (code !== 0 || !m) throw new Error(`wrk failed (exit ${code}): ${stderr || stdout}`);
    // wrk counts answered requests; up to one per connection was still in flight at the end.
    const perAgent = Math.ceil((Number(m[1]) + opts.agents.length) / opts.agents.length) + 1;
    return { seqEnd: opts.seqBase + perAgent * opts.batch, requests: Number(m[1]), errors: Number(m[2]) + Number(m[3]), p50Ms: Number(m[4]), p99Ms: Number(m[5]), cpuSeconds: Number(m[6]), seconds: Number(m[7]) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
