import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import { POLICY_POOLS, type PolicyPool } from '../policies/policy.entity';
import { DECISION_ACTIONS, DECISION_STATUSES, ScalingDecision, type DecisionAction, type DecisionStatus } from './decision.entity';

export class ListDecisionsQuery {
  @ApiPropertyOptional({ default: 50, minimum: 1, maximum: 500 }) @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(500) limit?: number;
  @ApiPropertyOptional({
    default: false,
    description: 'also the stored evaluations that changed nothing: holds (stored when their reason starts, then once a minute while it lasts), shadow disagreements, and every no_change decision of a policy with recordNoChange',
  })
  @IsOptional() @Transform(({ value }) => (value === 'true' ? true : value === 'false' ? false : value)) @IsBoolean() includeNoChange?: boolean;
  @ApiPropertyOptional({ description: 'cursor: nextCursor of the previous page' }) @IsOptional() @Matches(/^\d{1,15}_[0-9a-f-]{36}$/) before?: string;
  @ApiPropertyOptional({ enum: POLICY_POOLS, description: 'only the decisions that sized this pool (default: both)' }) @IsOptional() @IsIn(POLICY_POOLS) pool?: PolicyPool;
}

export class MetricPointDto {
  @ApiProperty({ description: 'end of the interval, ms since the epoch' }) t!: number;
  @ApiProperty() v!: number;
}

export class DecisionDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) serviceId!: string;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) policyId!: string | null;
  @ApiProperty({ type: String, format: 'date-time' }) createdAt!: string;
  @ApiProperty({ enum: POLICY_POOLS, description: "what was sized: the service's backend servers or the agents assigned to it" }) pool!: PolicyPool;
  @ApiProperty({ enum: DECISION_ACTIONS }) action!: DecisionAction;
  @ApiProperty({ enum: DECISION_STATUSES, description: 'recorded (nothing to do), dry_run, pending, fulfilled, partially_fulfilled, unfulfilled' }) status!: DecisionStatus;
  @ApiProperty({ description: 'servers held when evaluated (allocated + allocating), or agents assigned for pool agents' }) current!: number;
  @ApiProperty({ type: Number, nullable: true, description: 'what the metric alone asked for, within min/max' }) recommended!: number | null;
  @ApiProperty() desired!: number;
  @ApiProperty() delta!: number;
  @ApiProperty() reason!: string;
  @ApiProperty({
    type: 'object', additionalProperties: true,
    description: 'pool, policy (as evaluated), metric {name, value, reporting, detail, ageMs, staleAfterMs, totalRps, capabilityRps}, window {seconds, values [{t, v}]}, formula, limits [..], servers {allocated, allocating, draining} or agents {assigned, online}, inProgress, replica',
  })
  evidence!: Record<string, unknown>;
  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true, description: 'the shadow policy on the same data: action, recommended, desired, reason, formula, differs' })
  shadow!: Record<string, unknown> | null;
  @ApiProperty({ type: [String], description: 'servers allocated, released or replaced' }) serverIds!: string[];
  @ApiProperty({ type: [String], description: 'agents assigned or released (pool agents)' }) agentIds!: string[];
  @ApiProperty({ type: String, nullable: true, description: 'how the execution went (e.g. why it was unfulfilled)' }) outcome!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) executedAt!: string | null;

  static from(d: ScalingDecision): DecisionDto {
    return {
      id: d.id, serviceId: d.serviceId, policyId: d.policyId, createdAt: d.createdAt.toISOString(), pool: d.pool, action: d.action, status: d.status, current: d.current,
      recommended: d.recommended, desired: d.desired, delta: d.delta, reason: d.reason, evidence: d.evidence, shadow: d.shadow, serverIds: d.serverIds, agentIds: d.agentIds,
      outcome: d.outcome, executedAt: d.executedAt?.toISOString() ?? null,
    };
  }
}

export class DecisionPageDto {
  @ApiProperty({ type: [DecisionDto] }) items!: DecisionDto[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}

export class AgentCapabilityDto {
  @ApiProperty({ format: 'uuid' }) agentId!: string;
  @ApiProperty({ type: Number, nullable: true }) rpsWithinObjective!: number | null;
  @ApiProperty() intervals!: number;
  @ApiProperty() intervalsOverObjective!: number;
}

export class CapabilitiesDto {
  @ApiProperty({ enum: ['server', 'agent'] }) kind!: 'server' | 'agent';
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ type: Number, nullable: true, description: "the objective used (the server's service's p95 objective)" }) latencyObjectiveMs!: number | null;
  @ApiProperty() windowSeconds!: number;
  @ApiProperty({ type: Number, nullable: true, description: 'highest requests/s sustained with p95 within the objective' }) rpsWithinObjective!: number | null;
  @ApiProperty({ type: Number, nullable: true, description: 'highest in-flight count with p95 within the objective' }) inFlightWithinObjective!: number | null;
  @ApiProperty({ type: Number, nullable: true, description: 'lowest requests/s at which the objective was missed' }) rpsAtFirstMiss!: number | null;
  @ApiProperty({ description: 'report intervals with traffic' }) intervals!: number;
  @ApiProperty() intervalsOverObjective!: number;
  @ApiProperty({ enum: ['none', 'low', 'high'], description: 'low: a lower bound (never pushed past the objective) or few intervals' }) confidence!: 'none' | 'low' | 'high';
  @ApiProperty({ type: [AgentCapabilityDto], description: 'per agent: the share each agent observed' }) perAgent!: AgentCapabilityDto[];
}

export class AgentCapabilityQuery {
  @ApiPropertyOptional({ default: 250, description: 'latency objective (p95, ms) for the agent itself' }) @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(600_000) objectiveMs?: number;
}
