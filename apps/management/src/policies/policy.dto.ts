import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsBoolean, IsIn, IsInt, IsNumber, IsObject, IsOptional, Matches, Max, Min, ValidateNested } from 'class-validator';
import { COMPARISONS, METRICS, type Comparison, type Metric } from '../analyser/headroom';
import { POLICY_POOLS, POLICY_ROLES, POLICY_TYPES, ScalingPolicy, type PolicyPool, type PolicyRole, type PolicyType } from './policy.entity';

export class ThresholdRuleDto {
  @ApiProperty({ enum: COMPARISONS, example: '>' }) @IsIn(COMPARISONS) comparison!: Comparison;
  @ApiProperty({ example: 200 }) @IsNumber({ allowNaN: false, allowInfinity: false }) @Min(0) @Max(1e9) value!: number;
  @ApiPropertyOptional({ default: 10, description: 'the metric must hold for this many seconds' }) @IsOptional() @IsInt() @Min(0) @Max(3600) forSeconds?: number;
  @ApiPropertyOptional({ default: 1, description: 'servers added or removed when the rule fires' }) @IsOptional() @IsInt() @Min(1) @Max(100) step?: number;
}

export class ServerSelectorDto {
  @ApiPropertyOptional({ type: 'object', additionalProperties: { type: 'string' }, example: { tier: 'gold' }, description: 'every label must match' })
  @IsOptional() @IsObject() labels?: Record<string, string>;
  @ApiPropertyOptional({ type: [String], example: ['eu-1a', 'eu-1b'] }) @IsOptional() @ArrayMaxSize(50) @Matches(/^[A-Za-z0-9._-]{1,63}$/, { each: true }) zones?: string[];
}

/** Fields a policy may set; every one but type/metric has a default. */
export class PolicyFieldsDto {
  @ApiPropertyOptional({ description: 'target-tracking: the metric value per server to hold', example: 4, minimum: 0 })
  @IsOptional() @IsNumber({ allowNaN: false, allowInfinity: false }) @Min(0.000001) @Max(1e9) target?: number;
  @ApiPropertyOptional({ type: ThresholdRuleDto, description: 'threshold: when to add servers' }) @IsOptional() @ValidateNested() @Type(() => ThresholdRuleDto) scaleOut?: ThresholdRuleDto;
  @ApiPropertyOptional({ type: ThresholdRuleDto, description: 'threshold: when to remove servers' }) @IsOptional() @ValidateNested() @Type(() => ThresholdRuleDto) scaleIn?: ThresholdRuleDto;
  @ApiPropertyOptional({ default: 0.1, description: 'fraction of the target inside which nothing changes' }) @IsOptional() @IsNumber({ allowNaN: false, allowInfinity: false }) @Min(0) @Max(1) tolerance?: number;
  @ApiPropertyOptional({ description: "servers at least (default: the service's scaling.min); agents at least for pool agents (default 1)" }) @IsOptional() @IsInt() @Min(0) @Max(10_000) min?: number;
  @ApiPropertyOptional({ description: "servers at most (default and upper bound: the service's scaling.max); agents at most for pool agents (required there)" }) @IsOptional() @IsInt() @Min(1) @Max(10_000) max?: number;
  @ApiPropertyOptional({ default: 0 }) @IsOptional() @IsInt() @Min(0) @Max(3600) scaleOutStabilizationSeconds?: number;
  @ApiPropertyOptional({ default: 300, description: 'scale in to the highest recommendation of this window' }) @IsOptional() @IsInt() @Min(0) @Max(86_400) scaleInStabilizationSeconds?: number;
  @ApiPropertyOptional({ default: 10, description: 'no further change this long after one' }) @IsOptional() @IsInt() @Min(0) @Max(86_400) cooldownSeconds?: number;
  @ApiPropertyOptional({ type: Number, nullable: true, description: 'most servers added per rolling minute; null: no limit' }) @IsOptional() @IsInt() @Min(1) @Max(10_000) maxAddPerMinute?: number | null;
  @ApiPropertyOptional({ type: Number, nullable: true, default: 30, description: 'most scale changes per rolling hour; null: no limit' }) @IsOptional() @IsInt() @Min(1) @Max(10_000) flapBudgetPerHour?: number | null;
  @ApiPropertyOptional({ default: 30, description: 'seconds of metric history kept as evidence (threshold rules read their own forSeconds)' }) @IsOptional() @IsInt() @Min(1) @Max(3600) evaluationWindowSeconds?: number;
  @ApiPropertyOptional({ default: false, description: 'record decisions without acting' }) @IsOptional() @IsBoolean() dryRun?: boolean;
  @ApiPropertyOptional({
    default: false,
    description: 'also store every evaluation that changes nothing (about one per second) as a no_change decision; by default only decisions that act, holds (when their reason starts, then once a minute) and shadow disagreements are stored',
  })
  @IsOptional() @IsBoolean() recordNoChange?: boolean;
  @ApiPropertyOptional({ type: ServerSelectorDto, description: 'which free servers scale-out may take' }) @IsOptional() @ValidateNested() @Type(() => ServerSelectorDto) selector?: ServerSelectorDto;
  @ApiPropertyOptional({ default: true, description: 'spread new servers across zones' }) @IsOptional() @IsBoolean() spreadZones?: boolean;
  @ApiPropertyOptional({ type: Number, nullable: true, default: 60, description: 'replace a server every agent reports unhealthy this long; null: never' })
  @IsOptional() @IsInt() @Min(5) @Max(86_400) replaceUnhealthyAfterSeconds?: number | null;
}

export class CreatePolicyDto extends PolicyFieldsDto {
  @ApiProperty({ enum: POLICY_TYPES, example: 'target-tracking' }) @IsIn(POLICY_TYPES) type!: PolicyType;
  @ApiProperty({ enum: METRICS, example: 'inflight_per_server' }) @IsIn(METRICS) metric!: Metric;
  @ApiPropertyOptional({ enum: POLICY_ROLES, default: 'live', description: 'shadow: evaluated beside the live policy, never acts' }) @IsOptional() @IsIn(POLICY_ROLES) role?: PolicyRole;
  @ApiPropertyOptional({
    enum: POLICY_POOLS, default: 'servers',
    description: "what the policy sizes: the service's backend servers, or the edge agents assigned to it (metrics then read each agent's own telemetry: *_per_server means per agent; `load` does not apply). Fixed once created.",
  })
  @IsOptional() @IsIn(POLICY_POOLS) pool?: PolicyPool;
}

export class UpdatePolicyDto extends PolicyFieldsDto {
  @ApiPropertyOptional({ enum: POLICY_TYPES }) @IsOptional() @IsIn(POLICY_TYPES) type?: PolicyType;
  @ApiPropertyOptional({ enum: METRICS }) @IsOptional() @IsIn(METRICS) metric?: Metric;
}

export class ThresholdRuleViewDto {
  @ApiProperty({ enum: COMPARISONS }) comparison!: Comparison;
  @ApiProperty() value!: number;
  @ApiProperty() forSeconds!: number;
  @ApiProperty() step!: number;
}

export class ServerSelectorViewDto {
  @ApiPropertyOptional({ type: 'object', additionalProperties: { type: 'string' } }) labels?: Record<string, string>;
  @ApiPropertyOptional({ type: [String] }) zones?: string[];
}

export class PolicyDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) serviceId!: string;
  @ApiProperty({ enum: POLICY_ROLES }) role!: PolicyRole;
  @ApiProperty({ enum: POLICY_POOLS }) pool!: PolicyPool;
  @ApiProperty({ enum: POLICY_TYPES }) type!: PolicyType;
  @ApiProperty({ enum: METRICS }) metric!: Metric;
  @ApiProperty({ type: Number, nullable: true }) target!: number | null;
  @ApiProperty({ type: ThresholdRuleViewDto, nullable: true }) scaleOut!: ThresholdRuleViewDto | null;
  @ApiProperty({ type: ThresholdRuleViewDto, nullable: true }) scaleIn!: ThresholdRuleViewDto | null;
  @ApiProperty() tolerance!: number;
  @ApiProperty({ type: Number, nullable: true }) min!: number | null;
  @ApiProperty({ type: Number, nullable: true }) max!: number | null;
  @ApiProperty() scaleOutStabilizationSeconds!: number;
  @ApiProperty() scaleInStabilizationSeconds!: number;
  @ApiProperty() cooldownSeconds!: number;
  @ApiProperty({ type: Number, nullable: true }) maxAddPerMinute!: number | null;
  @ApiProperty({ type: Number, nullable: true }) flapBudgetPerHour!: number | null;
  @ApiProperty() evaluationWindowSeconds!: number;
  @ApiProperty() dryRun!: boolean;
  @ApiProperty() recordNoChange!: boolean;
  @ApiProperty({ type: ServerSelectorViewDto, nullable: true }) selector!: ServerSelectorViewDto | null;
  @ApiProperty() spreadZones!: boolean;
  @ApiProperty({ type: Number, nullable: true }) replaceUnhealthyAfterSeconds!: number | null;
  @ApiProperty({ type: String, format: 'date-time' }) createdAt!: string;
  @ApiProperty({ type: String, format: 'date-time' }) updatedAt!: string;

  static from(p: ScalingPolicy): PolicyDto {
    return {
      id: p.id, serviceId: p.serviceId, role: p.role, pool: p.pool, type: p.type, metric: p.metric, target: p.target, scaleOut: p.scaleOut, scaleIn: p.scaleIn,
      tolerance: p.tolerance, min: p.minServers, max: p.maxServers, scaleOutStabilizationSeconds: p.scaleOutStabilizationSeconds,
      scaleInStabilizationSeconds: p.scaleInStabilizationSeconds, cooldownSeconds: p.cooldownSeconds, maxAddPerMinute: p.maxAddPerMinute,
      flapBudgetPerHour: p.flapBudgetPerHour, evaluationWindowSeconds: p.evaluationWindowSeconds, dryRun: p.dryRun, recordNoChange: p.recordNoChange, selector: p.selector,
      spreadZones: p.spreadZones, replaceUnhealthyAfterSeconds: p.replaceUnhealthyAfterSeconds, createdAt: p.createdAt.toISOString(), updatedAt: p.updatedAt.toISOString(),
    };
  }
}
