import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { ScalingPolicy } from '../policies/policy.entity';

/**
 * A change of a policy's recommendation (the size the metric alone asks for): the value holds
 * until the next row. The stabilisation windows read it; only changes are stored.
 */
@Entity('scaling_recommendation')
export class ScalingRecommendation {
  @PrimaryColumn('uuid') policyId!: string;
  @PrimaryColumn({ type: 'timestamptz', precision: 3 }) at!: Date;
  @Column('int') recommended!: number;
  @ManyToOne(() => ScalingPolicy, { onDelete: 'CASCADE' }) @JoinColumn({ name: 'policy_id' }) policy?: ScalingPolicy;
}
