import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import type { PolicyPool } from '../policies/policy.entity';

export const DECISION_ACTIONS = ['scale_out', 'scale_in', 'replace', 'no_change', 'hold'] as const;
export type DecisionAction = (typeof DECISION_ACTIONS)[number];
/**
 * recorded: nothing to execute (no change, hold); dry_run: would have acted; pending: queued for
 * the allocation processor; fulfilled / partially_fulfilled / unfulfilled: executed once.
 */
export const DECISION_STATUSES = ['recorded', 'dry_run', 'pending', 'fulfilled', 'partially_fulfilled', 'unfulfilled'] as const;
export type DecisionStatus = (typeof DECISION_STATUSES)[number];

/** One evaluation of a service's policy, with the evidence that led to it. */
@Entity('scaling_decision')
@Index(['serviceId', 'createdAt'])
@Index('scaling_decision_pending_idx', ['serviceId', 'pool'], { where: `status = 'pending'` })
export class ScalingDecision {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column('uuid') serviceId!: string;
  @Column('uuid', { nullable: true }) policyId!: string | null;
  /** The pool the decision sized: backend servers or the agents assigned to the service. */
  @Column('text', { default: 'servers' }) pool!: PolicyPool;
  @CreateDateColumn({ type: 'timestamptz', precision: 3 }) createdAt!: Date;
  @Column('text') action!: DecisionAction;
  @Column('text') status!: DecisionStatus;
  @Column('int') current!: number;
  /** What the metric alone asked for, clamped to min/max; null when it could not be computed. */
  @Column('int', { nullable: true }) recommended!: number | null;
  @Column('int') desired!: number;
  @Column('int') delta!: number;
  @Column('text') reason!: string;
  @Column('jsonb') evidence!: Record<string, unknown>;
  @Column('jsonb', { nullable: true }) shadow!: Record<string, unknown> | null;
  /** Servers allocated, released or replaced when the decision was executed. */
  @Column('jsonb', { default: () => "'[]'" }) serverIds!: string[];
  /** Agents assigned to or released from the service when an agent-pool decision was executed. */
  @Column('jsonb', { default: () => "'[]'" }) agentIds!: string[];
  @Column('text', { nullable: true }) outcome!: string | null;
  @Column({ type: 'timestamptz', precision: 3, nullable: true }) executedAt!: Date | null;
}
