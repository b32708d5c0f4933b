import cluster, { Worker } from 'node:cluster';
import type { Logger } from 'pino';
import { answerInstanceMetrics } from './common/cluster-metrics';

/** Worker exits within CRASH_WINDOW_MS, per worker slot, that stop the whole instance with exit code 1 (a crash loop, not a blip). */
const MAX_CRASHES_PER_WORKER = 5;
const CRASH_WINDOW_MS = 60_000;
const RESTART_DELAY_MS = 1000;
/** After SIGTERM, how long the workers get to finish (held long polls, in-flight writes) before they are killed. */
const STOP_TIMEOUT_MS = 30_000;

/**
 * The primary of a multi-process instance: forks `workers` copies of this program (each one a
 * full management replica listening on the shared port; the primary hands out connections
 * round-robin), restarts a worker that dies, and on SIGTERM/SIGINT stops them all gracefully
 * (a second signal kills them) and exits when the last one has. Resolves with the exit code:
 * 0 after a graceful stop; 1 after a crash loop (5 exits per worker within a minute), when
 * workers had to be killed (a second signal, or STOP_TIMEOUT_MS) or one failed while stopping,
 * so a supervisor can tell that in-flight requests may have been cut. It also aggregates the
 * workers' Prometheus metrics for the worker that serves GET /metrics.
 */
export function superviseWorkers(workers: number, env: Record<string, string>, log: Logger): Promise<number> {
  const crashes: number[] = [];
  let stopping = false;
  let code = 0;
  // Our own list: cluster.workers may still hold a worker in its 'exit' event (until its IPC channel has closed).
  const live = new Set<Worker>();
  const fork = (): void => {
    live.add(cluster.fork(env));
  };
  return new Promise((resolve) => {
    cluster.on('exit', (worker, exitCode, signal) => {
      live.delete(worker);
      const left = live.size;
      if (stopping) {
        // A worker that crashed or was killed while stopping (not the SIGTERM it was sent) did not stop cleanly either.
        if ((exitCode !== null && exitCode !== 0) || (signal !== null && signal !== 'SIGTERM')) code = 1;
        if (!left) resolve(code);
        return;
      }
      const now = Date.now();
      crashes.push(now);
      while (crashes.length && crashes[0] < now - CRASH_WINDOW_MS) crashes.shift();
      if (crashes.length >= MAX_CRASHES_PER_WORKER * workers) {
        log.error({ worker: worker.process.pid, exitCode, signal, crashes: crashes.length }, 'workers keep exiting; stopping the instance');
        code = 1;
        stop();
        return;
      }
      log.warn({ worker: worker.process.pid, exitCode, signal }, 'worker exited; starting another');
      setTimeout(() => {
        if (!stopping) fork();
      }, RESTART_DELAY_MS);
    });
    const stop = () => {
      if (stopping) {
        // A second signal: the operator will not wait for the graceful close.
        log.warn({ workers: live.size }, 'killing workers');
        if (live.size) code = 1;
        for (const w of live) w.process.kill('SIGKILL');
        return;
      }
      stopping = true;
      log.info({ workers: live.size }, 'stopping workers');
      if (!live.size) resolve(code); // between a crash and its replacement
      for (const w of live) w.process.kill('SIGTERM');
      setTimeout(() => {
        if (!live.size) return;
        log.warn({ workers: live.size, afterMs: STOP_TIMEOUT_MS }, 'killing workers that did not stop');
        code = 1;
        for (const w of live) w.process.kill('SIGKILL');
      }, STOP_TIMEOUT_MS).unref();
    };
    answerInstanceMetrics(log);
    cluster.on('listening', (worker, address) => log.info({ worker: worker.process.pid, port: address.port }, 'worker listening'));
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
    for (let i = 0; i < workers; i++) fork();
    log.info({ workers }, 'management workers started');
  });
}
