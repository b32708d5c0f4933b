import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(__dirname, '../..');

export { freePort } from '../../bench/ports';

export async function tempDir(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `headroom-${prefix}-`));
}

export interface Spawned {
  proc: ChildProcess;
  output: () => string;
  /** Resolves once the process has exited (SIGTERM, then SIGKILL after 5 s). */
  stop: (signal?: NodeJS.Signals) => Promise<void>;
}

/** Runs a built app (`dist/...`) as a real process, keeping its output for diagnosis. */
export function spawnBuilt(script: string, args: string[], env: Record<string, string>): Spawned {
  const proc = spawn(process.execPath, [join(ROOT, 'dist', script), ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout?.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-200_000)));
  proc.stderr?.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-200_000)));
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  return {
    proc,
    output: () => out,
    stop: async (signal = 'SIGTERM') => {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill(signal);
      const t = setTimeout(() => proc.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(t);
    },
  };
}

/** The live child processes of `pid` (ps). */
export function childPids(pid: number): number[] {
  try {
    return execFileSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' }).split('\n').map((l) => Number(l.trim())).filter((n) => n > 0);
  } catch {
    return []; // ps exits 1 when there are none
  }
}

/** Whether a process with this pid exists (signal 0). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
