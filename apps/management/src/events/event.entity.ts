import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** One entry of the event stream; the bigserial id is the SSE id (Last-Event-ID resumes after it). */
@Entity('event')
export class HeadroomEvent {
  @PrimaryGeneratedColumn('increment', { type: 'bigint' }) id!: string;
  @Index() @CreateDateColumn({ type: 'timestamptz', precision: 3 }) at!: Date;
  @Column('text') type!: string;
  @Index() @Column('uuid', { nullable: true }) serviceId!: string | null;
  @Column('jsonb') data!: Record<string, unknown>;
}

/** An integrator's webhook: matching events are POSTed, HMAC-SHA256 signed, retried with backoff. */
@Entity('webhook_subscription')
export class WebhookSubscription {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column('text') url!: string;
  @Column('text') secret!: string;
  /** Event types (exact, or a prefix ending in `.*`); empty: every event. */
  @Column('jsonb', { default: () => "'[]'" }) types!: string[];
  @Column('uuid', { nullable: true }) serviceId!: string | null;
  @Column('boolean', { default: true }) enabled!: boolean;
  @CreateDateColumn({ type: 'timestamptz', precision: 3 }) createdAt!: Date;
  @Column({ type: 'timestamptz', precision: 3, nullable: true }) lastDeliveryAt!: Date | null;
  @Column('int', { nullable: true }) lastStatus!: number | null;
  @Column('text', { nullable: true }) lastError!: string | null;
}
