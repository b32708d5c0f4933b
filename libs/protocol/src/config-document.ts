import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize, IsBoolean, IsIn, IsInt, IsISO8601, IsOptional, IsString, IsUUID, Matches, Max, MaxLength, Min, ValidateNested,
} from 'class-validator';

export const LB_ALGORITHMS = ['round_robin', 'weighted_round_robin', 'least_request'] as const;
export type LbAlgorithm = (typeof LB_ALGORITHMS)[number];

/** TLS settings for an https backend. */
export class BackendTlsDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(253) servername?: string;
  @ApiPropertyOptional({ default: true }) @IsOptional() @IsBoolean() rejectUnauthorized?: boolean;
}

/** One backend's connection configuration (claim 2): where and how the agent reaches it. */
export class BackendConfigDto {
  @ApiProperty({ format: 'uuid', description: 'the server id' }) @IsUUID() id!: string;
  @ApiProperty() @Matches(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/) name!: string;
  @ApiProperty() @Matches(/^[A-Za-z0-9.:[\]-]{1,253}$/) host!: string;
  @ApiProperty({ minimum: 1, maximum: 65535 }) @IsInt() @Min(1) @Max(65535) port!: number;
  @ApiProperty({ enum: ['http', 'https'] }) @IsIn(['http', 'https']) protocol!: 'http' | 'https';
  @ApiProperty({ minimum: 1 }) @IsInt() @Min(1) @Max(1000) weight!: number;
  @ApiPropertyOptional({ description: 'most concurrent requests to this backend' }) @IsOptional() @IsInt() @Min(1) @Max(1_000_000) maxConnections?: number;
  @ApiPropertyOptional({ type: BackendTlsDto }) @IsOptional() @ValidateNested() @Type(() => BackendTlsDto) tls?: BackendTlsDto;
}

export class RouteMatchDto {
  @ApiPropertyOptional({ description: 'exact host or a leading "*." wildcard' }) @IsOptional() @Matches(/^(\*\.)?[A-Za-z0-9.-]{1,253}(:\d{1,5})?$/) host?: string;
  @ApiPropertyOptional() @IsOptional() @Matches(/^\/[^\s?#]{0,511}$/) pathPrefix?: string;
}

export class HealthCheckConfigDto {
  @ApiProperty() @Matches(/^\/[^\s]{0,511}$/) path!: string;
  @ApiProperty() @IsInt() @Min(100) @Max(300_000) intervalMs!: number;
  @ApiProperty() @IsInt() @Min(50) @Max(60_000) timeoutMs!: number;
  @ApiProperty() @IsInt() @Min(1) @Max(100) healthyThreshold!: number;
  @ApiProperty() @IsInt() @Min(1) @Max(100) unhealthyThreshold!: number;
}

/** A service as an agent serves it: its route, balancing, health check and backends. */
export class ServiceConfigDto {
  @ApiProperty({ format: 'uuid' }) @IsUUID() id!: string;
  @ApiProperty() @Matches(/^[a-z0-9][a-z0-9-]{0,62}$/) name!: string;
  @ApiProperty({ type: RouteMatchDto }) @ValidateNested() @Type(() => RouteMatchDto) match!: RouteMatchDto;
  @ApiProperty({ enum: LB_ALGORITHMS }) @IsIn(LB_ALGORITHMS) algorithm!: LbAlgorithm;
  @ApiProperty({ type: HealthCheckConfigDto }) @ValidateNested() @Type(() => HealthCheckConfigDto) healthCheck!: HealthCheckConfigDto;
  @ApiPropertyOptional() @IsOptional() @Matches(/^\/[^\s]{0,511}$/) loadEndpoint?: string;
  @ApiProperty({ type: [BackendConfigDto] }) @ArrayMaxSize(10_000) @ValidateNested({ each: true }) @Type(() => BackendConfigDto) backends!: BackendConfigDto[];
}

/** The agent's own settings, tuned remotely by the management API (claims 3, 15, 16). */
export class AgentSettingsDto {
  @ApiProperty({ default: 5000 }) @IsInt() @Min(1000) @Max(600_000) reportIntervalMs!: number;
  @ApiProperty({ default: 30000 }) @IsInt() @Min(0) @Max(3_600_000) drainTimeoutMs!: number;
  @ApiProperty({ default: 2000 }) @IsInt() @Min(10) @Max(120_000) connectTimeoutMs!: number;
  @ApiProperty({ default: 30000 }) @IsInt() @Min(10) @Max(600_000) responseHeadersTimeoutMs!: number;
  @ApiProperty({ default: 60000 }) @IsInt() @Min(10) @Max(3_600_000) idleBodyTimeoutMs!: number;
  @ApiProperty({ default: 10000, description: 'client must send its headers within this' }) @IsInt() @Min(100) @Max(120_000) requestHeadersTimeoutMs!: number;
  @ApiProperty({ default: 10000, description: 'most concurrent client connections' }) @IsInt() @Min(1) @Max(1_000_000) maxClientConnections!: number;
  @ApiProperty({ default: 5, description: 'consecutive 5xx or connect failures that eject a backend' }) @IsInt() @Min(1) @Max(1000) outlierConsecutiveFailures!: number;
  @ApiProperty({ default: 5000 }) @IsInt() @Min(100) @Max(3_600_000) outlierBaseEjectionMs!: number;
  @ApiProperty({ default: 20, description: 'retries may add at most this percentage to requests' }) @IsInt() @Min(0) @Max(100) retryBudgetPercent!: number;
  @ApiProperty({ default: 10000, description: 'new backends ramp up their share over this window' }) @IsInt() @Min(0) @Max(600_000) slowStartMs!: number;
}

/** The full document an agent serves: one revision, versioned monotonically per agent. */
export class ConfigDocumentDto {
  @ApiProperty({ minimum: 0 }) @IsInt() @Min(0) version!: number;
  @ApiPropertyOptional({ format: 'uuid' }) @IsOptional() @IsUUID() agentId?: string;
  @ApiProperty({ type: String, format: 'date-time' }) @IsISO8601() generatedAt!: string;
  @ApiProperty({ type: AgentSettingsDto }) @ValidateNested() @Type(() => AgentSettingsDto) settings!: AgentSettingsDto;
  @ApiProperty({ type: [ServiceConfigDto] }) @ArrayMaxSize(10_000) @ValidateNested({ each: true }) @Type(() => ServiceConfigDto) services!: ServiceConfigDto[];
}

/** Defaults for the agent settings. */
export const DEFAULT_AGENT_SETTINGS: AgentSettingsDto = {
  reportIntervalMs: 5000,
  drainTimeoutMs: 30_000,
  connectTimeoutMs: 2000,
  responseHeadersTimeoutMs: 30_000,
  idleBodyTimeoutMs: 60_000,
  requestHeadersTimeoutMs: 10_000,
  maxClientConnections: 10_000,
  outlierConsecutiveFailures: 5,
  outlierBaseEjectionMs: 5000,
  retryBudgetPercent: 20,
  slowStartMs: 10_000,
};
