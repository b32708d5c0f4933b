import { Histogram } from '../../codec/src/histogram';
import type { BackendSampleDto, ReportDto, TrafficSampleDto } from './report';

/** Deterministic traffic numbers for tests and the ingest benchmark; latencies in µs. */
export function sampleTraffic(requests: number, latenciesUs: number[] = [], extra: Partial<TrafficSampleDto> = {}): TrafficSampleDto {
  const h = new Histogram();
  for (const v of latenciesUs) h.record(v);
  return {
    requests, responses1xx: 0, responses2xx: requests, responses3xx: 0, responses4xx: 0, responses5xx: 0,
    inFlight: 0, openConnections: 0, bytesIn: requests * 100, bytesOut: requests * 1000, errors: [], latency: h.toData(), ...extra,
  };
}

/** A report with the given backends, for tests and the benchmark. */
export function sampleReport(agentId: string, seq: number, end: Date, backends: Array<Partial<BackendSampleDto> & { serviceId: string; serverId: string }>, intervalMs = 5000): ReportDto {
  const full: BackendSampleDto[] = backends.map((b) => ({ ...sampleTraffic(10, [1000, 2000, 3000]), healthy: true, draining: false, ...b }));
  return {
    seq,
    agentId,
    intervalStart: new Date(end.getTime() - intervalMs).toISOString(),
    intervalEnd: end.toISOString(),
    host: {
      cpuPercent: 12.5, hostCpuPercent: 30, memoryRssBytes: 80_000_000, memoryTotalBytes: 8_000_000_000, memoryFreeBytes: 4_000_000_000,
      loadAverage1: 0.5, eventLoopDelayP50Ms: 1.2, eventLoopDelayP99Ms: 4.5, eventLoopDelayMaxMs: 9,
    },
    agent: sampleTraffic(full.reduce((n, b) => n + b.requests, 0)),
    backends: full,
  };
}
