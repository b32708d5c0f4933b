import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { HistogramData } from '../../../../libs/codec/src/histogram';
import { AGENT_SELF } from '../telemetry/telemetry.entities';
import type { SampleRow } from './telemetry-view';

/** Capability of one server (or agent) as learned from telemetry. */
export interface CapabilityRow {
  rpsWithinObjective: number | null;
  inFlightWithinObjective: number | null;
  intervals: number;
  intervalsOverObjective: number;
  /** Lowest load (req/s) at which the objective was missed; null if never. */
  rpsAtFirstMiss: number | null;
}

/** An agent assigned to a service. */
export interface AssignedAgent {
  id: string;
  name: string;
  address: string | null;
  lastSeenAt: Date | null;
  assignedAt: Date;
}

/** An agent that reported a service lately (see AnalyserRepository.reportingAgents). */
export interface ReportingAgent {
  id: string;
  name: string;
  lastSeenAt: Date | null;
  /** End of the interval of its newest report for the service, ms since the epoch. */
  reportedAt: number;
}

function reportingAgentOf(r: Record<string, unknown>): ReportingAgent {
  return { id: String(r.id), name: String(r.name), lastSeenAt: (r.last_seen_at as Date | null) ?? null, reportedAt: (r.reported_at as Date).getTime() };
}

/** The raw sample's latency histogram columns (bucket counts as stored: "index:count,…"). */
const LATENCY = 'latency_count, latency_sum_us, latency_min_us, latency_max_us, latency_buckets';

function latencyOf(r: Record<string, unknown>): HistogramData | null {
  if (typeof r.latency_buckets !== 'string') return null;
  return { count: Number(r.latency_count), sum: Number(r.latency_sum_us), min: Number(r.latency_min_us), max: Number(r.latency_max_us), buckets: r.latency_buckets };
}

const P95 = `(latency_p90_us + (latency_p99_us - latency_p90_us) * 5.0 / 9.0)`;

/** The analyser's SQL: telemetry reads, capabilities, the per-service evaluation lock. */
@Injectable()
export class AnalyserRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** Takes the service's evaluation lock for the transaction, or returns false when another replica holds it. */
  async tryLockService(m: EntityManager, serviceId: string): Promise<boolean> {
    const [row] = await m.query(`SELECT pg_try_advisory_xact_lock(hashtext('headroom-analyse'), hashtext($1)) AS locked`, [serviceId]);
    return row.locked === true;
  }

  /**
   * A policy's recommendation history since `since` (ms), as change points: the rows from then on
   * and the one in force at `since`, oldest first.
   */
  async recommendations(m: EntityManager, policyId: string, since: number): Promise<Array<{ at: number; recommended: number }>> {
    const rows: Array<{ at: Date; recommended: number }> = await m.query(
      `(SELECT at, recommended FROM scaling_recommendation WHERE policy_id = $1 AND at <= $2 ORDER BY at DESC LIMIT 1)
       UNION ALL
       (SELECT at, recommended FROM scaling_recommendation WHERE policy_id = $1 AND at > $2 ORDER BY at LIMIT 100000)
       ORDER BY at`,
      [policyId, new Date(since)],
    );
    return rows.map((r) => ({ at: r.at.getTime(), recommended: Number(r.recommended) }));
  }

  /** Stores a recommendation when it differs from the newest one of `history` (changes only). */
  async recordRecommendation(m: EntityManager, policyId: string, at: number, recommended: number | null, history: Array<{ recommended: number }>): Promise<void> {
    if (recommended === null || history[history.length - 1]?.recommended === recommended) return;
    await m.query(`INSERT INTO scaling_recommendation (policy_id, at, recommended) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, [policyId, new Date(at), recommended]);
  }

  /** Drops recommendation changes older than a day, keeping each policy's newest (still in force). */
  async pruneRecommendations(): Promise<void> {
    await this.db.query(
      `DELETE FROM scaling_recommendation r WHERE r.at < now() - interval '1 day'
          AND EXISTS (SELECT 1 FROM scaling_recommendation n WHERE n.policy_id = r.policy_id AND n.at > r.at AND n.at < now() - interval '1 day')`,
    );
  }

  /** A service's backend samples newer than `sinceMs` ago. */
  async samples(m: EntityManager, serviceId: string, sinceMs: number): Promise<SampleRow[]> {
    const rows: Array<Record<string, unknown>> = await m.query(
      `SELECT agent_id, server_id, at, interval_ms, requests, errors, responses5xx, in_flight, latency_p90_us, latency_p99_us, ${LATENCY}, healthy, draining, load,
              (load_values ->> 'cpu')::double precision AS cpu
         FROM telemetry_sample
        WHERE service_id = $1 AND at > now() - make_interval(secs => $2)
        ORDER BY at LIMIT 20000`,
      [serviceId, sinceMs / 1000],
    );
    return rows.map((r) => ({
      agentId: String(r.agent_id), serverId: String(r.server_id), at: (r.at as Date).getTime(), intervalMs: Number(r.interval_ms), requests: Number(r.requests),
      errors: Number(r.errors), responses5xx: Number(r.responses5xx), inFlight: Number(r.in_flight), p90Us: Number(r.latency_p90_us), p99Us: Number(r.latency_p99_us),
      healthy: r.healthy as boolean | null, draining: r.draining as boolean | null, load: r.load === null ? null : Number(r.load), cpu: r.cpu === null ? null : Number(r.cpu),
      latency: latencyOf(r),
    }));
  }

  /** The agents assigned to a service (not revoked), oldest assignment first. */
  async assignedAgents(m: EntityManager, serviceId: string): Promise<AssignedAgent[]> {
    const rows: Array<Record<string, unknown>> = await m.query(
      `SELECT a.id, a.name, a.address, a.last_seen_at, x.assigned_at FROM agent_assignment x JOIN agent a ON a.id = x.agent_id
        WHERE x.service_id = $1 AND a.revoked_at IS NULL ORDER BY x.assigned_at, a.id`,
      [serviceId],
    );
    return rows.map((r) => ({
      id: String(r.id), name: String(r.name), address: (r.address as string | null) ?? null,
      lastSeenAt: (r.last_seen_at as Date | null) ?? null, assignedAt: r.assigned_at as Date,
    }));
  }

  /**
   * The agents' own samples (server_id = AGENT_SELF: all traffic through each agent) newer than
   * `sinceMs` ago, shaped as one "server" per agent so the per-server metrics read per agent.
   */
  async agentSamples(m: EntityManager, agentIds: string[], sinceMs: number): Promise<SampleRow[]> {
    if (!agentIds.length) return [];
    const rows: Array<Record<string, unknown>> = await m.query(
      `SELECT agent_id, at, interval_ms, requests, errors, responses5xx, in_flight, latency_p90_us, latency_p99_us, ${LATENCY}, cpu_percent
         FROM telemetry_sample
        WHERE agent_id = ANY($1::uuid[]) AND server_id = '${AGENT_SELF}' AND at > now() - make_interval(secs => $2)
        ORDER BY at LIMIT 20000`,
      [agentIds, sinceMs / 1000],
    );
    return rows.map((r) => ({
      agentId: String(r.agent_id), serverId: String(r.agent_id), at: (r.at as Date).getTime(), intervalMs: Number(r.interval_ms), requests: Number(r.requests),
      errors: Number(r.errors), responses5xx: Number(r.responses5xx), inFlight: Number(r.in_flight), p90Us: Number(r.latency_p90_us), p99Us: Number(r.latency_p99_us),
      healthy: null, draining: null, load: null, cpu: r.cpu_percent === null ? null : Number(r.cpu_percent), latency: latencyOf(r),
    }));
  }

  /**
   * The agents that carried a service's traffic lately: each agent that reported one of its
   * backends within `memoryMs` and still routes it (not revoked; free, or assigned to it), with
   * when it last reported it and when it was last seen at all.
   */
  async reportingAgents(m: EntityManager, serviceId: string, memoryMs: number): Promise<ReportingAgent[]> {
    const rows: Array<Record<string, unknown>> = await m.query(
      `SELECT a.id, a.name, a.last_seen_at, max(b.reported_at) AS reported_at
         FROM telemetry_agent_service b JOIN agent a ON a.id = b.agent_id
        WHERE b.service_id = $1 AND b.reported_at > now() - make_interval(secs => $2) AND a.revoked_at IS NULL
          AND (NOT EXISTS (SELECT 1 FROM agent_assignment x WHERE x.agent_id = a.id)
               OR EXISTS (SELECT 1 FROM agent_assignment x WHERE x.agent_id = a.id AND x.service_id = $1))
        GROUP BY a.id, a.name, a.last_seen_at`,
      [serviceId, memoryMs / 1000],
    );
    return rows.map(reportingAgentOf);
  }

  /** Like reportingAgents, for an agent pool: each of these agents with its newest own sample within `memoryMs`. */
  async reportingPoolAgents(m: EntityManager, agentIds: string[], memoryMs: number): Promise<ReportingAgent[]> {
    if (!agentIds.length) return [];
    const rows: Array<Record<string, unknown>> = await m.query(
      `SELECT a.id, a.name, a.last_seen_at, s.at AS reported_at FROM agent a
        CROSS JOIN LATERAL (SELECT at FROM telemetry_sample t WHERE t.agent_id = a.id AND t.server_id = '${AGENT_SELF}' AND t.at > now() - make_interval(secs => $2)
                             ORDER BY at DESC LIMIT 1) s
        WHERE a.id = ANY($1::uuid[]) AND a.revoked_at IS NULL`,
      [agentIds, memoryMs / 1000],
    );
    return rows.map(reportingAgentOf);
  }

  /** Newest own sample of any of these agents, any age. */
  async newestAgentSampleAt(m: EntityManager, agentIds: string[]): Promise<number | null> {
    if (!agentIds.length) return null;
    const [row] = await m.query(
      `SELECT max(at) AS at FROM telemetry_sample WHERE agent_id = ANY($1::uuid[]) AND server_id = '${AGENT_SELF}' AND at > now() - interval '1 day'`,
      [agentIds],
    );
    return row?.at ? (row.at as Date).getTime() : null;
  }

  /**
   * Newest sample time of a service, any age: from telemetry_agent_service (one row per agent
   * and service, indexed by service). Asking telemetry_sample had to walk its whole `at` index
   * over the last day, at every analysis of a service that had gone silent.
   */
  async newestSampleAt(m: EntityManager, serviceId: string): Promise<number | null> {
    const [row] = await m.query(`SELECT max(reported_at) AS at FROM telemetry_agent_service WHERE service_id = $1`, [serviceId]);
    return row?.at ? (row.at as Date).getTime() : null;
  }

  /** Servers every agent has reported unhealthy (and not draining) for at least `seconds`. */
  async persistentlyUnhealthy(m: EntityManager, serviceId: string, serverIds: string[], seconds: number): Promise<string[]> {
    if (!serverIds.length) return [];
    const rows: { server_id: string }[] = await m.query(
      `SELECT server_id FROM telemetry_sample
        WHERE service_id = $1 AND server_id = ANY($2::uuid[]) AND at > now() - make_interval(secs => $3)
        GROUP BY server_id
       HAVING bool_and(healthy = false AND draining IS NOT TRUE) AND min(at) < now() - make_interval(secs => $3 * 0.75)`,
      [serviceId, serverIds, seconds],
    );
    return rows.map((r) => r.server_id);
  }

  /**
   * Throughput within the latency objective, over the last `hours`: per report interval, the
   * requests/s the server (or agent) handled, summed over agents; the capability is the highest
   * rate whose p95 stayed within the objective.
   */
  async capability(filter: { serverId?: string; agentSelf?: string }, objectiveMs: number | null, hours = 1, perAgent = false): Promise<Array<CapabilityRow & { agentId: string | null }>> {
    const where = filter.serverId ? 'server_id = $1' : `agent_id = $1 AND server_id = '00000000-0000-0000-0000-000000000000'`;
    const objective = objectiveMs === null ? `coalesce((SELECT latency_objective_ms FROM service s WHERE s.id = t.service_id), 250)` : '$3';
    const rows: Array<Record<string, unknown>> = await this.db.query(
      `WITH t AS (
         SELECT ${perAgent ? 'agent_id' : 'NULL::uuid AS agent_id'}, service_id, date_trunc('second', at) AS sec,
                sum(requests * 1000.0 / greatest(interval_ms, 1)) AS rps, sum(in_flight) AS inflight, max(${P95}) / 1000.0 AS p95_ms
           FROM telemetry_sample
          WHERE ${where} AND at > now() - make_interval(hours => $2) AND requests > 0
          GROUP BY 1, 2, 3)
       SELECT agent_id, count(*)::int AS intervals,
              count(*) FILTER (WHERE p95_ms > ${objective})::int AS over,
              max(rps) FILTER (WHERE p95_ms <= ${objective}) AS rps_ok,
              max(inflight) FILTER (WHERE p95_ms <= ${objective}) AS inflight_ok,
              min(rps) FILTER (WHERE p95_ms > ${objective}) AS rps_miss
         FROM t GROUP BY agent_id ORDER BY agent_id`,
      objectiveMs === null ? [filter.serverId ?? filter.agentSelf, hours] : [filter.serverId ?? filter.agentSelf, hours, objectiveMs],
    );
    return rows.map((r) => ({
      agentId: r.agent_id === null ? null : String(r.agent_id),
      rpsWithinObjective: r.rps_ok === null ? null : Math.round(Number(r.rps_ok) * 10) / 10,
      inFlightWithinObjective: r.inflight_ok === null ? null : Number(r.inflight_ok),
      intervals: Number(r.intervals), intervalsOverObjective: Number(r.over),
      rpsAtFirstMiss: r.rps_miss === null ? null : Math.round(Number(r.rps_miss) * 10) / 10,
    }));
  }

  /**
   * Highest requests/s each agent itself sustained with p95 within `objectiveMs` over the last day
   * (for ordering free agents). `provenOnly`: only agents also seen missing the objective, whose
   * figure is a limit rather than a lower bound (for sizing a pool by it).
   */
  async agentCapabilities(agentIds: string[], objectiveMs: number, m: EntityManager = this.db.manager, provenOnly = false): Promise<Map<string, number>> {
    if (!agentIds.length) return new Map();
    const rows: { agent_id: string; rps: string }[] = await m.query(
      `SELECT agent_id, max(rps) FILTER (WHERE p95_ms <= $2) AS rps FROM (
         SELECT agent_id, requests * 1000.0 / greatest(interval_ms, 1) AS rps, ${P95} / 1000.0 AS p95_ms FROM telemetry_sample
          WHERE agent_id = ANY($1::uuid[]) AND server_id = '${AGENT_SELF}' AND at > now() - interval '1 day' AND requests > 0) t
        GROUP BY agent_id
       HAVING max(rps) FILTER (WHERE p95_ms <= $2) IS NOT NULL ${provenOnly ? 'AND bool_or(p95_ms > $2)' : ''}`,
      [agentIds, objectiveMs],
    );
    return new Map(rows.map((r) => [r.agent_id, Number(r.rps)]));
  }

  /**
   * Highest requests/s each server sustained within its service's objective over the last day (for
   * ordering free servers). `provenOnly`: only servers also seen missing the objective, whose
   * figure is a limit rather than a lower bound (for sizing a service by it).
   */
  async capabilities(serverIds: string[], provenOnly = false): Promise<Map<string, number>> {
    if (!serverIds.length) return new Map();
    const rows: { server_id: string; rps: string }[] = await this.db.query(
      `SELECT server_id, max(rps) FILTER (WHERE p95_ms <= objective) AS rps FROM (
         SELECT server_id, rps, p95_ms, coalesce((SELECT latency_objective_ms FROM service s WHERE s.id::text = t.svc), 250) AS objective FROM (
           SELECT server_id, date_trunc('second', at) AS sec, sum(requests * 1000.0 / greatest(interval_ms, 1)) AS rps, max(${P95}) / 1000.0 AS p95_ms, max(service_id::text) AS svc
             FROM telemetry_sample WHERE server_id = ANY($1::uuid[]) AND at > now() - interval '1 day' AND requests > 0
            GROUP BY 1, 2) t) o
        GROUP BY server_id
       HAVING max(rps) FILTER (WHERE p95_ms <= objective) IS NOT NULL ${provenOnly ? 'AND bool_or(p95_ms > objective)' : ''}`,
      [serverIds],
    );
    return new Map(rows.map((r) => [r.server_id, Number(r.rps)]));
  }
}
