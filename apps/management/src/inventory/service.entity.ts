import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

export const ALGORITHMS = ['round_robin', 'weighted_round_robin', 'least_request'] as const;
export type Algorithm = (typeof ALGORITHMS)[number];

export interface MatchRule {
  host?: string;
  pathPrefix?: string;
}

export interface HealthCheck {
  path: string;
  intervalMs: number;
  timeoutMs: number;
  healthyThreshold: number;
  unhealthyThreshold: number;
}

/** A service clients request: matched by host and/or path prefix, served by its allocated pool. */
@Entity('service')
export class Service {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Index('service_name_uq', { unique: true }) @Column('text') name!: string;
  @Column('jsonb') match!: MatchRule;
  @Column('text', { default: 'round_robin' }) algorithm!: Algorithm;
  @Column('jsonb') healthCheck!: HealthCheck;
  @Column('int', { default: 1 }) scalingMin!: number;
  @Column('int', { default: 10 }) scalingMax!: number;
  /** Path on each backend that reports its own load (JSON or Prometheus text), if any. */
  @Column('text', { nullable: true }) loadEndpoint!: string | null;
  @Column('int', { default: 250 }) latencyObjectiveMs!: number;
  // Millisecond precision: the keyset cursor round-trips through a JS Date.
  @CreateDateColumn({ type: 'timestamptz', precision: 3 }) createdAt!: Date;
  @UpdateDateColumn({ type: 'timestamptz' }) updatedAt!: Date;
}
