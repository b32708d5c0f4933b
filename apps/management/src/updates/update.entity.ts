import { Column, CreateDateColumn, Entity, Index, PrimaryColumn, PrimaryGeneratedColumn, Unique } from 'typeorm';

/** One configuration revision for one agent: the full document it must serve. */
@Entity('config_revision')
@Unique('config_revision_agent_version_uq', ['agentId', 'version'])
export class ConfigRevision {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Index() @Column('uuid') agentId!: string;
  @Column('int') version!: number;
  @Column('jsonb') document!: Record<string, unknown>;
  /** sha256 of the document without version and timestamp: equal digests mean nothing changed. */
  @Column('text') digest!: string;
  @Column('uuid', { nullable: true }) updateId!: string | null;
  @CreateDateColumn({ type: 'timestamptz', precision: 3 }) createdAt!: Date;
}

/** A change that needs new revisions; folded by the build job. */
@Entity('config_change')
export class ConfigChange {
  @PrimaryGeneratedColumn('increment', { type: 'bigint' }) id!: string;
  @Column('text') reason!: string;
  @Column({ type: 'timestamptz', default: () => 'now()', precision: 3 }) at!: Date;
  @Index({ where: 'processed_at IS NULL' }) @Column('timestamptz', { nullable: true }) processedAt!: Date | null;
  @Column('uuid', { nullable: true }) updateId!: string | null;
}

export const UPDATE_STATUSES = ['pending', 'verifying', 'retrying', 'succeeded', 'rolled_back', 'failed'] as const;
export type UpdateStatus = (typeof UPDATE_STATUSES)[number];

export interface TimelineEvent {
  at: string;
  event: string;
  detail?: string;
  agentId?: string;
}

/** A configuration update: the revisions one build produced and whether they took effect. */
@Entity('config_update')
export class Update {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Index() @Column('text') status!: UpdateStatus;
  @Column('text') reason!: string;
  /** When the first change folded into this update happened (for change-to-ack times). */
  @Column({ type: 'timestamptz', precision: 3 }) changedAt!: Date;
  @Column('int', { default: 1 }) attempt!: number;
  @Column({ type: 'timestamptz', precision: 3 }) deadline!: Date;
  @Column('uuid', { array: true, default: '{}' }) addedServerIds!: string[];
  @Column('uuid', { array: true, default: '{}' }) removedServerIds!: string[];
  @Column('jsonb', { default: [] }) timeline!: TimelineEvent[];
  @Column('text', { nullable: true }) error!: string | null;
  @CreateDateColumn({ type: 'timestamptz', precision: 3 }) createdAt!: Date;
  @Column({ type: 'timestamptz', nullable: true, precision: 3 }) finishedAt!: Date | null;
}

export const UPDATE_AGENT_STATES = ['pending', 'acked', 'rejected', 'stale', 'verified'] as const;
export type UpdateAgentState = (typeof UPDATE_AGENT_STATES)[number];

/** One agent's part in an update. */
@Entity('config_update_agent')
export class UpdateAgent {
  @PrimaryColumn('uuid') updateId!: string;
  @Index() @PrimaryColumn('uuid') agentId!: string;
  @Column('int') version!: number;
  @Column('text') state!: UpdateAgentState;
  @Column('text', { nullable: true }) error!: string | null;
  @Column({ type: 'timestamptz', nullable: true, precision: 3 }) ackedAt!: Date | null;
  @Column({ type: 'timestamptz', nullable: true, precision: 3 }) verifiedAt!: Date | null;
}
