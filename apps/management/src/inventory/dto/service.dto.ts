import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min, ValidateNested } from 'class-validator';
import { ALGORITHMS, Service, type Algorithm } from '../service.entity';

const NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;

export class MatchRuleDto {
  @ApiPropertyOptional({ example: '*.shop.example', description: 'exact host, or a leading "*." wildcard' })
  @IsOptional() @Matches(/^(\*\.)?[A-Za-z0-9.-]{1,253}(:\d{1,5})?$/, { message: 'host must be a host name, optionally with a leading "*."' })
  host?: string;
  @ApiPropertyOptional({ example: '/', description: 'path prefix, starting with "/"' })
  @IsOptional() @Matches(/^\/[^\s?#]{0,511}$/, { message: 'pathPrefix must start with "/" and hold no spaces, "?" or "#"' })
  pathPrefix?: string;
}

export class HealthCheckDto {
  @ApiPropertyOptional({ default: '/health' }) @IsOptional() @Matches(/^\/[^\s]{0,511}$/, { message: 'path must start with "/"' })
  path?: string;
  @ApiPropertyOptional({ default: 2000, minimum: 100 }) @IsOptional() @IsInt() @Min(100) @Max(300_000)
  intervalMs?: number;
  @ApiPropertyOptional({ default: 1000, minimum: 50 }) @IsOptional() @IsInt() @Min(50) @Max(60_000)
  timeoutMs?: number;
  @ApiPropertyOptional({ default: 2, minimum: 1 }) @IsOptional() @IsInt() @Min(1) @Max(100)
  healthyThreshold?: number;
  @ApiPropertyOptional({ default: 3, minimum: 1 }) @IsOptional() @IsInt() @Min(1) @Max(100)
  unhealthyThreshold?: number;
}

export class ScalingBoundsDto {
  @ApiProperty({ minimum: 0, example: 1 }) @IsInt() @Min(0) @Max(10_000)
  min!: number;
  @ApiProperty({ minimum: 1, example: 5 }) @IsInt() @Min(1) @Max(10_000)
  max!: number;
}

export class CreateServiceDto {
  @ApiProperty({ example: 'shop', pattern: NAME.source }) @Matches(NAME, { message: 'name must be 1-63 characters of lower-case letters, digits or "-"' })
  name!: string;
  @ApiProperty({ type: MatchRuleDto }) @ValidateNested() @Type(() => MatchRuleDto)
  match!: MatchRuleDto;
  @ApiPropertyOptional({ enum: ALGORITHMS, default: 'round_robin' }) @IsOptional() @IsIn(ALGORITHMS)
  algorithm?: Algorithm;
  @ApiPropertyOptional({ type: HealthCheckDto }) @IsOptional() @ValidateNested() @Type(() => HealthCheckDto)
  healthCheck?: HealthCheckDto;
  @ApiPropertyOptional({ type: ScalingBoundsDto }) @IsOptional() @ValidateNested() @Type(() => ScalingBoundsDto)
  scaling?: ScalingBoundsDto;
  @ApiPropertyOptional({ example: '/load', description: 'path on each backend that reports its own load' })
  @IsOptional() @Matches(/^\/[^\s]{0,511}$/, { message: 'loadEndpoint must start with "/"' })
  loadEndpoint?: string;
  @ApiPropertyOptional({ default: 250, description: 'latency objective (p95) in milliseconds' }) @IsOptional() @IsInt() @Min(1) @Max(600_000)
  latencyObjectiveMs?: number;
}

export class UpdateServiceDto {
  @ApiPropertyOptional({ type: MatchRuleDto }) @IsOptional() @ValidateNested() @Type(() => MatchRuleDto)
  match?: MatchRuleDto;
  @ApiPropertyOptional({ enum: ALGORITHMS }) @IsOptional() @IsIn(ALGORITHMS)
  algorithm?: Algorithm;
  @ApiPropertyOptional({ type: HealthCheckDto }) @IsOptional() @ValidateNested() @Type(() => HealthCheckDto)
  healthCheck?: HealthCheckDto;
  @ApiPropertyOptional({ type: ScalingBoundsDto }) @IsOptional() @ValidateNested() @Type(() => ScalingBoundsDto)
  scaling?: ScalingBoundsDto;
  @ApiPropertyOptional({ nullable: true, type: String }) @IsOptional() @IsString() @Matches(/^\/[^\s]{0,511}$/, { message: 'loadEndpoint must start with "/"' })
  loadEndpoint?: string | null;
  @ApiPropertyOptional() @IsOptional() @IsInt() @Min(1) @Max(600_000)
  latencyObjectiveMs?: number;
}

export class ListServicesQuery {
  @ApiPropertyOptional({ minimum: 1, maximum: 500, default: 50 }) @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(500)
  limit?: number;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(200)
  cursor?: string;
  @ApiPropertyOptional({ description: 'filter by exact name' }) @IsOptional() @Matches(NAME, { message: 'name must be a service name' })
  name?: string;
}

export class HealthCheckViewDto {
  @ApiProperty() path!: string;
  @ApiProperty() intervalMs!: number;
  @ApiProperty() timeoutMs!: number;
  @ApiProperty() healthyThreshold!: number;
  @ApiProperty() unhealthyThreshold!: number;
}

export class ServiceDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ type: MatchRuleDto }) match!: MatchRuleDto;
  @ApiProperty({ enum: ALGORITHMS }) algorithm!: Algorithm;
  @ApiProperty({ type: HealthCheckViewDto }) healthCheck!: HealthCheckViewDto;
  @ApiProperty({ type: ScalingBoundsDto }) scaling!: ScalingBoundsDto;
  @ApiProperty({ nullable: true, type: String }) loadEndpoint!: string | null;
  @ApiProperty() latencyObjectiveMs!: number;
  @ApiProperty({ type: String, format: 'date-time' }) createdAt!: string;
  @ApiProperty({ type: String, format: 'date-time' }) updatedAt!: string;

  static from(s: Service): ServiceDto {
    return {
      id: s.id, name: s.name, match: s.match, algorithm: s.algorithm, healthCheck: s.healthCheck,
      scaling: { min: s.scalingMin, max: s.scalingMax }, loadEndpoint: s.loadEndpoint, latencyObjectiveMs: s.latencyObjectiveMs,
      createdAt: s.createdAt.toISOString(), updatedAt: s.updatedAt.toISOString(),
    };
  }
}

export class ServicePageDto {
  @ApiProperty({ type: [ServiceDto] }) items!: ServiceDto[];
  @ApiProperty({ nullable: true, type: String }) nextCursor!: string | null;
}
