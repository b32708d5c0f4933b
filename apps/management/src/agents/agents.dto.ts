import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsOptional, IsString, IsUUID, Matches, MaxLength, Min } from 'class-validator';

export const AGENT_STATUSES = ['online', 'stale', 'offline'] as const;
export type AgentStatus = (typeof AGENT_STATUSES)[number];

export class EnrolAgentDto {
  @ApiProperty({ description: 'an enrolment token from POST /v1/enrolment-tokens' }) @IsString() @MaxLength(200)
  token!: string;
  @ApiProperty({ example: 'edge-1' }) @Matches(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, { message: 'name must be 1-63 characters of letters, digits, ".", "_" or "-"' })
  name!: string;
  @ApiPropertyOptional({ example: '0.1.0' }) @IsOptional() @IsString() @MaxLength(64)
  softwareVersion?: string;
}

export class EnrolledAgentDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ description: 'the agent\'s own credential; shown once, send it as Authorization: Bearer' }) credential!: string;
}

export class HeartbeatDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(64)
  softwareVersion?: string;
  @ApiPropertyOptional({ description: 'where the agent serves clients, e.g. 10.0.0.5:8000' }) @IsOptional() @IsString() @MaxLength(255)
  address?: string;
  @ApiPropertyOptional({ description: 'the configuration revision the agent serves (counts as an ack when newer)' }) @IsOptional() @IsInt() @Min(1)
  configVersion?: number;
}

export class AssignAgentDto {
  @ApiProperty({ format: 'uuid' }) @IsUUID()
  serviceId!: string;
}

export class ListAgentsQuery {
  @ApiPropertyOptional({ enum: AGENT_STATUSES }) @IsOptional() @IsIn(AGENT_STATUSES)
  status?: AgentStatus;
}

export class AgentDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ enum: AGENT_STATUSES }) status!: AgentStatus;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) lastSeenAt!: string | null;
  @ApiProperty({ type: String, format: 'date-time' }) enrolledAt!: string;
  @ApiProperty({ nullable: true, type: String }) softwareVersion!: string | null;
  @ApiProperty({ nullable: true, type: String }) address!: string | null;
  @ApiProperty({ type: [String], description: 'services this agent is assigned to; empty means it is free and serves every service' }) serviceIds!: string[];
  @ApiProperty({ nullable: true, type: Number, description: 'the configuration revision the agent runs' }) configVersion!: number | null;
  @ApiProperty({ nullable: true, type: Number, description: 'the newest revision built for it' }) latestVersion!: number | null;
  @ApiProperty({ description: 'how many revisions it is behind' }) revisionsBehind!: number;
  @ApiProperty({ nullable: true, type: Number, description: 'seconds since the oldest revision it has not applied was built' }) behindForSeconds!: number | null;
  @ApiProperty({ nullable: true, type: Number, description: 'the last revision it rejected' }) rejectedVersion!: number | null;
  @ApiProperty({ nullable: true, type: String, description: 'why it rejected that revision' }) rejectedError!: string | null;
}
