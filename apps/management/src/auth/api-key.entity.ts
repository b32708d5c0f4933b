import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

export const SCOPES = ['admin', 'read', 'agent'] as const;
export type Scope = (typeof SCOPES)[number];

/** An API key or agent credential. Only a SHA-256 of the secret is stored; `lookup` finds the row. */
@Entity('api_key')
export class ApiKey {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Index('api_key_lookup_uq', { unique: true }) @Column('text') lookup!: string;
  @Column('text') secretHash!: string;
  @Column('text', { array: true }) scopes!: Scope[];
  @Column('text', { nullable: true }) name!: string | null;
  /** Set for an agent's own credential: it may act only as that agent. */
  @Index() @Column('uuid', { nullable: true }) agentId!: string | null;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt!: Date;
  @Column('timestamptz', { nullable: true }) lastUsedAt!: Date | null;
  @Column('timestamptz', { nullable: true }) revokedAt!: Date | null;
}

/** A token an agent trades for its own credential at enrolment. Stored hashed. */
@Entity('enrolment_token')
export class EnrolmentToken {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Index('enrolment_token_lookup_uq', { unique: true }) @Column('text') lookup!: string;
  @Column('text') secretHash!: string;
  @Column('text', { nullable: true }) name!: string | null;
  @Column('timestamptz') expiresAt!: Date;
  @Column('int', { nullable: true }) maxUses!: number | null;
  @Column('int', { default: 0 }) uses!: number;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt!: Date;
  @Column('timestamptz', { nullable: true }) revokedAt!: Date | null;
}
