import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { UPDATE_AGENT_STATES, UPDATE_STATUSES, Update, UpdateAgent, type UpdateAgentState, type UpdateStatus } from './update.entity';

export class ConfigPollQuery {
  @ApiPropertyOptional({ description: 'the version the agent has; answers only with a newer one', default: 0 }) @IsOptional() @Type(() => Number) @IsInt() @Min(0)
  after?: number;
  @ApiPropertyOptional({ description: 'seconds to hold the request open when nothing newer exists (0 answers at once)', default: 30, maximum: 60 }) @IsOptional() @Type(() => Number) @IsInt() @Min(0) @Max(60)
  wait?: number;
}

export class ConfigAckDto {
  @ApiProperty({ minimum: 1 }) @IsInt() @Min(1)
  version!: number;
  @ApiProperty({ enum: ['applied', 'rejected'] }) @IsIn(['applied', 'rejected'])
  status!: 'applied' | 'rejected';
  @ApiPropertyOptional({ maxLength: 4000, description: 'why the agent rejected the revision' }) @IsOptional() @IsString() @MaxLength(4000)
  error?: string;
}

export class ConfigAckResultDto {
  @ApiProperty() accepted!: boolean;
  @ApiProperty({ type: [String], description: 'updates this ack moved forward' }) updateIds!: string[];
}

export class ListUpdatesQuery {
  @ApiPropertyOptional({ enum: UPDATE_STATUSES }) @IsOptional() @IsIn(UPDATE_STATUSES)
  status?: UpdateStatus;
  @ApiPropertyOptional({ minimum: 1, maximum: 500, default: 50 }) @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(500)
  limit?: number;
}

export class TimelineEventDto {
  @ApiProperty({ type: String, format: 'date-time' }) at!: string;
  @ApiProperty({ example: 'acked' }) event!: string;
  @ApiPropertyOptional() detail?: string;
  @ApiPropertyOptional({ format: 'uuid' }) agentId?: string;
}

export class UpdateAgentDto {
  @ApiProperty({ format: 'uuid' }) agentId!: string;
  @ApiProperty({ description: 'the revision this update gave the agent' }) version!: number;
  @ApiProperty({ enum: UPDATE_AGENT_STATES }) state!: UpdateAgentState;
  @ApiProperty({ nullable: true, type: String }) error!: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) ackedAt!: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) verifiedAt!: string | null;

  static from(r: UpdateAgent): UpdateAgentDto {
    return { agentId: r.agentId, version: r.version, state: r.state, error: r.error, ackedAt: r.ackedAt?.toISOString() ?? null, verifiedAt: r.verifiedAt?.toISOString() ?? null };
  }
}

export class UpdateDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ enum: UPDATE_STATUSES }) status!: UpdateStatus;
  @ApiProperty({ description: 'the changes folded into this update' }) reason!: string;
  @ApiProperty() attempt!: number;
  @ApiProperty({ type: [String] }) addedServerIds!: string[];
  @ApiProperty({ type: [String] }) removedServerIds!: string[];
  @ApiProperty({ nullable: true, type: String }) error!: string | null;
  @ApiProperty({ type: String, format: 'date-time' }) changedAt!: string;
  @ApiProperty({ type: String, format: 'date-time' }) createdAt!: string;
  @ApiProperty({ type: String, format: 'date-time' }) deadline!: string;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) finishedAt!: string | null;
  @ApiProperty({ type: [UpdateAgentDto] }) agents!: UpdateAgentDto[];
  @ApiProperty({ type: [TimelineEventDto] }) timeline!: TimelineEventDto[];

  static from(u: Update, agents: UpdateAgent[]): UpdateDto {
    return {
      id: u.id, status: u.status, reason: u.reason, attempt: u.attempt, addedServerIds: u.addedServerIds, removedServerIds: u.removedServerIds, error: u.error,
      changedAt: u.changedAt.toISOString(), createdAt: u.createdAt.toISOString(), deadline: u.deadline.toISOString(), finishedAt: u.finishedAt?.toISOString() ?? null,
      agents: agents.map(UpdateAgentDto.from), timeline: timelineOf(u, agents),
    };
  }
}

/**
 * The update's own events plus each agent's ack, rejection and verification. Per-agent events
 * live on their own rows, so hundreds of acks never contend for the update's row.
 */
function timelineOf(u: Update, agents: UpdateAgent[]): TimelineEventDto[] {
  const out: TimelineEventDto[] = [...u.timeline];
  for (const a of agents) {
    if (a.ackedAt) out.push({ at: a.ackedAt.toISOString(), event: 'acked', detail: `revision ${a.version}`, agentId: a.agentId });
    if (a.state === 'rejected') out.push({ at: (a.ackedAt ?? u.finishedAt ?? u.createdAt).toISOString(), event: 'rejected', detail: a.error ?? undefined, agentId: a.agentId });
    if (a.verifiedAt) out.push({ at: a.verifiedAt.toISOString(), event: 'verified', detail: `revision ${a.version} live`, agentId: a.agentId });
  }
  return out.sort((x, y) => x.at.localeCompare(y.at));
}
