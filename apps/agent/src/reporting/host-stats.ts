import { cpus, freemem, loadavg, totalmem } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { HostSampleDto } from '../../../../libs/protocol/src/report';

/** Samples the agent's process and host once per interval (CPU as the difference since the last call). */
export class HostStats {
  private readonly loop = monitorEventLoopDelay({ resolution: 10 });
  private lastCpu = process.cpuUsage();
  private lastAt = process.hrtime.bigint();
  private lastHost = HostStats.hostTimes();

  constructor() {
    this.loop.enable();
  }

  private static hostTimes(): { idle: number; total: number } {
    let idle = 0;
    let total = 0;
    for (const c of cpus()) {
      idle += c.times.idle;
      total += c.times.user + c.times.nice + c.times.sys + c.times.idle + c.times.irq;
    }
    return { idle, total };
  }

  sample(): HostSampleDto {
    const now = process.hrtime.bigint();
    const cpu = process.cpuUsage(this.lastCpu);
    const elapsedUs = Number(now - this.lastAt) / 1000;
    const host = HostStats.hostTimes();
    const dTotal = host.total - this.lastHost.total;
    const dIdle = host.idle - this.lastHost.idle;
    this.lastCpu = process.cpuUsage();
    this.lastAt = now;
    this.lastHost = host;
    const ms = (ns: number) => (Number.isFinite(ns) ? Math.round(ns / 1e3) / 1e3 : 0);
    const out: HostSampleDto = {
      cpuPercent: elapsedUs > 0 ? Math.round(((cpu.user + cpu.system) / elapsedUs) * 10_000) / 100 : 0,
      hostCpuPercent: dTotal > 0 ? Math.min(100, Math.max(0, Math.round((1 - dIdle / dTotal) * 10_000) / 100)) : 0,
      memoryRssBytes: process.memoryUsage.rss(),
      memoryTotalBytes: totalmem(),
      memoryFreeBytes: freemem(),
      loadAverage1: Math.round(loadavg()[0] * 100) / 100,
      eventLoopDelayP50Ms: ms(this.loop.percentile(50)),
      eventLoopDelayP99Ms: ms(this.loop.percentile(99)),
      eventLoopDelayMaxMs: ms(this.loop.max),
    };
    this.loop.reset();
    return out;
  }

  stop(): void {
    this.loop.disable();
  }
}
