import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { Service } from './service.entity';

export const SERVER_STATES = ['free', 'allocating', 'allocated', 'draining', 'quarantined', 'retired'] as const;
export type ServerState = (typeof SERVER_STATES)[number];
export const PROTOCOLS = ['http', 'https'] as const;
export type Protocol = (typeof PROTOCOLS)[number];

/** A third server: a backend that sits in the free pool or in one service's allocated pool. */
@Entity('server')
@Index('server_name_live_uq', ['name'], { unique: true, where: `state <> 'retired'` })
export class Server {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column('text') name!: string;
  @Column('text') host!: string;
  @Column('int') port!: number;
  @Column('text', { default: 'http' }) protocol!: Protocol;
  @Column('int', { default: 1 }) weight!: number;
  @Column('jsonb', { default: {} }) labels!: Record<string, string>;
  @Column('text', { nullable: true }) zone!: string | null;
  @Column('int', { nullable: true }) maxConnections!: number | null;
  @Index() @Column('text', { default: 'free' }) state!: ServerState;
  /** The service whose pool holds this server; null means the free pool. */
  @Index() @Column('uuid', { nullable: true }) serviceId!: string | null;
  @ManyToOne(() => Service, { onDelete: 'RESTRICT', createForeignKeyConstraints: true })
  @JoinColumn({ name: 'service_id' })
  service?: Service;
  @Column('timestamptz', { default: () => 'now()' }) stateChangedAt!: Date;
  @Column('text', { nullable: true }) stateReason!: string | null;
  @Column('timestamptz', { nullable: true }) drainDeadline!: Date | null;
  // Millisecond precision: the keyset cursor round-trips through a JS Date.
  @CreateDateColumn({ type: 'timestamptz', precision: 3 }) registeredAt!: Date;
  @UpdateDateColumn({ type: 'timestamptz' }) updatedAt!: Date;
}
