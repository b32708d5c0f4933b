import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** server_id of a sample that describes the agent itself rather than one backend. */
export const AGENT_SELF = '00000000-0000-0000-0000-000000000000';

/**
 * The ledger of stored reports: the primary key (agent_id, seq) is what makes delivery
 * exactly-once (INSERT ... ON CONFLICT DO NOTHING decides which reports of a batch are new).
 * Kept as long as roll-ups, so a report replayed late is still recognised.
 */
@Entity('telemetry_report')
export class TelemetryReport {
  @PrimaryColumn('uuid') agentId!: string;
  @PrimaryColumn('bigint') seq!: string;
  @Column('timestamptz') intervalStart!: Date;
  @Index() @Column('timestamptz') intervalEnd!: Date;
  @Index('IDX_telemetry_report_received_at') @Column('timestamptz', { default: () => 'now()' }) receivedAt!: Date;
  @Column('int') backends!: number;
}

/** One raw sample: one backend (or the agent itself, server_id = AGENT_SELF) in one report. */
@Entity('telemetry_sample')
@Index(['serverId', 'at'])
@Index(['agentId', 'at'])
@Index('IDX_telemetry_sample_service_at', ['serviceId', 'at'])
export class TelemetrySample {
  @PrimaryColumn('uuid') agentId!: string;
  @PrimaryColumn('bigint') seq!: string;
  @PrimaryColumn('uuid') serverId!: string;
  @Column('uuid', { nullable: true }) serviceId!: string | null;
  @Index() @Column('timestamptz') at!: Date;
  @Column('int') intervalMs!: number;
  @Column('bigint') requests!: string;
  @Column('bigint') responses1xx!: string;
  @Column('bigint') responses2xx!: string;
  @Column('bigint') responses3xx!: string;
  @Column('bigint') responses4xx!: string;
  @Column('bigint') responses5xx!: string;
  @Column('bigint') errors!: string;
  @Column('jsonb', { nullable: true }) errorsByCause!: Record<string, number> | null;
  @Column('bigint') inFlight!: string;
  @Column('bigint') openConnections!: string;
  @Column('bigint') bytesIn!: string;
  @Column('bigint') bytesOut!: string;
  @Column('bigint') latencyCount!: string;
  @Column('bigint') latencySumUs!: string;
  @Column('bigint') latencyMinUs!: string;
  @Column('bigint') latencyMaxUs!: string;
  @Column('int') latencyP50Us!: number;
  @Column('int') latencyP90Us!: number;
  @Column('int') latencyP99Us!: number;
  @Column('text') latencyBuckets!: string;
  @Column('boolean', { nullable: true }) healthy!: boolean | null;
  @Column('boolean', { nullable: true }) draining!: boolean | null;
  @Column('double precision', { nullable: true }) load!: number | null;
  @Column('jsonb', { nullable: true }) loadValues!: Record<string, number> | null;
  @Column('double precision', { nullable: true }) cpuPercent!: number | null;
  @Column('double precision', { nullable: true }) hostCpuPercent!: number | null;
  @Column('bigint', { nullable: true }) memoryRssBytes!: string | null;
  @Column('double precision', { nullable: true }) eventLoopDelayP99Ms!: number | null;
}

/**
 * How far the roll-up job has got: roll-ups are complete for every minute before rolledUpTo,
 * except minutes of reports received since lastRunAt (recomputed by the next run). One row.
 */
@Entity('telemetry_rollup_progress')
export class TelemetryRollupProgress {
  @PrimaryColumn('smallint') id!: number;
  @Column('timestamptz') rolledUpTo!: Date;
  @Column('timestamptz') lastRunAt!: Date;
}

/**
 * Per-minute roll-up of samples per (agent, server), written by the roll-up job from raw samples. Counters are sums, gauges keep a sum (for
 * the mean) and a maximum, the latency histogram is merged bucket by bucket.
 */
@Entity('telemetry_rollup')
@Index(['serverId', 'minute'])
@Index(['serviceId', 'minute'])
export class TelemetryRollup {
  @PrimaryColumn('timestamptz') minute!: Date;
  @PrimaryColumn('uuid') agentId!: string;
  @PrimaryColumn('uuid') serverId!: string;
  @Column('uuid', { nullable: true }) serviceId!: string | null;
  @Column('int') samples!: number;
  @Column('bigint') requests!: string;
  @Column('bigint') responses1xx!: string;
  @Column('bigint') responses2xx!: string;
  @Column('bigint') responses3xx!: string;
  @Column('bigint') responses4xx!: string;
  @Column('bigint') responses5xx!: string;
  @Column('bigint') errors!: string;
  @Column('bigint') inFlightSum!: string;
  @Column('bigint') inFlightMax!: string;
  @Column('bigint') openConnectionsSum!: string;
  @Column('bigint') openConnectionsMax!: string;
  @Column('bigint') bytesIn!: string;
  @Column('bigint') bytesOut!: string;
  @Column('bigint') latencyCount!: string;
  @Column('bigint') latencySumUs!: string;
  @Column('bigint') latencyMinUs!: string;
  @Column('bigint') latencyMaxUs!: string;
  @Column('jsonb') latencyBuckets!: Record<string, number>;
  @Column('int') healthySamples!: number;
  @Column('int') drainingSamples!: number;
  @Column('int') loadSamples!: number;
  @Column('double precision') loadSum!: number;
  @Column('double precision', { nullable: true }) loadMax!: number | null;
  @Column('double precision') cpuPercentSum!: number;
  @Column('double precision', { nullable: true }) cpuPercentMax!: number | null;
  @Column('bigint', { nullable: true }) memoryRssMaxBytes!: string | null;
  @Column('double precision', { nullable: true }) eventLoopDelayP99MaxMs!: number | null;
}

/** The newest report of each service by each agent: which agents carry a service's traffic (the analyser reads it). */
@Entity('telemetry_agent_service')
@Index('IDX_telemetry_agent_service_service', ['serviceId', 'reportedAt'])
export class TelemetryAgentService {
  @PrimaryColumn('uuid', { primaryKeyConstraintName: 'PK_telemetry_agent_service' }) agentId!: string;
  @PrimaryColumn('uuid', { primaryKeyConstraintName: 'PK_telemetry_agent_service' }) serviceId!: string;
  @Column('bigint') seq!: string;
  @Column('timestamptz') reportedAt!: Date;
}

export const TELEMETRY_ENTITIES = [TelemetryReport, TelemetrySample, TelemetryRollup, TelemetryRollupProgress, TelemetryAgentService];
