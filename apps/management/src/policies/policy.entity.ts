import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { Metric, ThresholdRule } from '../analyser/headroom';
import { Service } from '../inventory/service.entity';

export const POLICY_TYPES = ['target-tracking', 'threshold'] as const;
export type PolicyType = (typeof POLICY_TYPES)[number];
export const POLICY_ROLES = ['live', 'shadow'] as const;
export type PolicyRole = (typeof POLICY_ROLES)[number];
/** What a policy sizes: the service's backend servers, or the edge agents assigned to it. */
export const POLICY_POOLS = ['servers', 'agents'] as const;
export type PolicyPool = (typeof POLICY_POOLS)[number];

export interface ServerSelector {
  labels?: Record<string, string>;
  zones?: string[];
}

/**
 * A service's scaling policy: per pool (servers, agents), one live policy acts and one optional
 * shadow policy is only compared.
 */
@Entity('scaling_policy')
@Index('scaling_policy_service_pool_role_uq', ['serviceId', 'pool', 'role'], { unique: true })
export class ScalingPolicy {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column('uuid') serviceId!: string;
  @ManyToOne(() => Service, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'service_id' })
  service?: Service;
  @Column('text', { default: 'live' }) role!: PolicyRole;
  @Column('text', { default: 'servers' }) pool!: PolicyPool;
  @Column('text') type!: PolicyType;
  @Column('text') metric!: Metric;
  @Column('double precision', { nullable: true }) target!: number | null;
  @Column('jsonb', { nullable: true }) scaleOut!: ThresholdRule | null;
  @Column('jsonb', { nullable: true }) scaleIn!: ThresholdRule | null;
  @Column('double precision', { default: 0.1 }) tolerance!: number;
  /** Overrides the service's scaling.min/max when set (never beyond scaling.max). */
  @Column('int', { nullable: true }) minServers!: number | null;
  @Column('int', { nullable: true }) maxServers!: number | null;
  @Column('int', { default: 0 }) scaleOutStabilizationSeconds!: number;
  @Column('int', { default: 300 }) scaleInStabilizationSeconds!: number;
  @Column('int', { default: 10 }) cooldownSeconds!: number;
  @Column('int', { nullable: true }) maxAddPerMinute!: number | null;
  @Column('int', { nullable: true, default: 30 }) flapBudgetPerHour!: number | null;
  @Column('int', { default: 30 }) evaluationWindowSeconds!: number;
  @Column('boolean', { default: false }) dryRun!: boolean;
  /** Store every evaluation, no-change ones included (default: only those that act, holds and shadow disagreements). */
  @Column('boolean', { default: false }) recordNoChange!: boolean;
  @Column('jsonb', { nullable: true }) selector!: ServerSelector | null;
  @Column('boolean', { default: true }) spreadZones!: boolean;
  /** A server every agent reports unhealthy for this long is quarantined and replaced; null: never. */
  @Column('int', { nullable: true, default: 60 }) replaceUnhealthyAfterSeconds!: number | null;
  @CreateDateColumn({ type: 'timestamptz', precision: 3 }) createdAt!: Date;
  @UpdateDateColumn({ type: 'timestamptz', precision: 3 }) updatedAt!: Date;
}
