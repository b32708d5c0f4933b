import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';
import { Service } from '../inventory/service.entity';

/** A first server: an edge agent that routes client requests to backends. */
@Entity('agent')
export class Agent {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column('text') name!: string;
  @Column('uuid', { nullable: true }) enrolmentTokenId!: string | null;
  @Column('timestamptz', { nullable: true }) lastSeenAt!: Date | null;
  @Column('text', { nullable: true }) softwareVersion!: string | null;
  @Column('text', { nullable: true }) address!: string | null;
  @CreateDateColumn({ type: 'timestamptz' }) enrolledAt!: Date;
  @Column('timestamptz', { nullable: true }) revokedAt!: Date | null;
  /** The configuration revision the agent last acked as applied. */
  @Column('int', { nullable: true }) appliedVersion!: number | null;
  @Column({ type: 'timestamptz', nullable: true, precision: 3 }) appliedAt!: Date | null;
  /** The last revision the agent rejected, never re-sent; its error is shown to operators. */
  @Column('int', { nullable: true }) rejectedVersion!: number | null;
  @Column('text', { nullable: true }) rejectedError!: string | null;
}

/** An agent assigned to a service; an agent with no row here is free and serves every service. */
@Entity('agent_assignment')
export class AgentAssignment {
  @PrimaryColumn('uuid') agentId!: string;
  @Index() @PrimaryColumn('uuid') serviceId!: string;
  @CreateDateColumn({ type: 'timestamptz' }) assignedAt!: Date;
  @ManyToOne(() => Agent, { onDelete: 'CASCADE' }) @JoinColumn({ name: 'agent_id' }) agent?: Agent;
  @ManyToOne(() => Service, { onDelete: 'CASCADE' }) @JoinColumn({ name: 'service_id' }) service?: Service;
}
