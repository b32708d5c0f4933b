import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** One mutating call: who did what to which resource, with the state before and after. */
@Entity('audit_entry')
export class AuditEntry {
  @PrimaryGeneratedColumn('increment', { type: 'bigint' }) id!: string;
  @Index() @Column('timestamptz', { default: () => 'now()' }) at!: Date;
  @Column('text') actor!: string;
  @Column('text') action!: string;
  @Column('text') targetType!: string;
  @Index() @Column('text', { nullable: true }) targetId!: string | null;
  @Column('jsonb', { nullable: true }) before!: Record<string, unknown> | null;
  @Column('jsonb', { nullable: true }) after!: Record<string, unknown> | null;
  @Column('text', { nullable: true }) requestId!: string | null;
}
