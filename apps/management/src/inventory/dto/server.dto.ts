import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsObject, IsOptional, IsString, IsUUID, Matches, Max, MaxLength, Min } from 'class-validator';
import { PROTOCOLS, SERVER_STATES, Server, type Protocol, type ServerState } from '../server.entity';
import { IsLabelMap } from './validators';

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
const HOST = /^[A-Za-z0-9.:[\]-]{1,253}$/;

export class CreateServerDto {
  @ApiProperty({ example: 'web-1', pattern: NAME.source }) @Matches(NAME, { message: 'name must be 1-63 characters of letters, digits, ".", "_" or "-"' })
  name!: string;
  @ApiProperty({ example: '127.0.0.1', description: 'IP address or DNS name' }) @IsString() @Matches(HOST, { message: 'host must be an IP address or DNS name' })
  host!: string;
  @ApiProperty({ example: 9001, minimum: 1, maximum: 65535 }) @IsInt() @Min(1) @Max(65535)
  port!: number;
  @ApiPropertyOptional({ enum: PROTOCOLS, default: 'http' }) @IsOptional() @IsIn(PROTOCOLS)
  protocol?: Protocol;
  @ApiPropertyOptional({ minimum: 1, maximum: 1000, default: 1 }) @IsOptional() @IsInt() @Min(1) @Max(1000)
  weight?: number;
  @ApiPropertyOptional({ type: 'object', additionalProperties: { type: 'string' }, example: { tier: 'web' } }) @IsOptional() @IsObject() @IsLabelMap()
  labels?: Record<string, string>;
  @ApiPropertyOptional({ example: 'eu-west-1a' }) @IsOptional() @IsString() @MaxLength(63)
  zone?: string;
  @ApiPropertyOptional({ minimum: 1, description: 'the most concurrent requests an agent sends to this server' }) @IsOptional() @IsInt() @Min(1) @Max(1_000_000)
  maxConnections?: number;
}

export class UpdateServerDto {
  @ApiPropertyOptional() @IsOptional() @Matches(NAME, { message: 'name must be 1-63 characters of letters, digits, ".", "_" or "-"' })
  name?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @Matches(HOST, { message: 'host must be an IP address or DNS name' })
  host?: string;
  @ApiPropertyOptional() @IsOptional() @IsInt() @Min(1) @Max(65535)
  port?: number;
  @ApiPropertyOptional({ enum: PROTOCOLS }) @IsOptional() @IsIn(PROTOCOLS)
  protocol?: Protocol;
  @ApiPropertyOptional() @IsOptional() @IsInt() @Min(1) @Max(1000)
  weight?: number;
  @ApiPropertyOptional({ type: 'object', additionalProperties: { type: 'string' } }) @IsOptional() @IsObject() @IsLabelMap()
  labels?: Record<string, string>;
  @ApiPropertyOptional({ nullable: true, type: String }) @IsOptional() @IsString() @MaxLength(63)
  zone?: string | null;
  @ApiPropertyOptional({ nullable: true, type: Number }) @IsOptional() @IsInt() @Min(1) @Max(1_000_000)
  maxConnections?: number | null;
}

export class TransitionServerDto {
  @ApiProperty({ enum: SERVER_STATES, description: 'the state to move to; only legal transitions succeed' }) @IsIn(SERVER_STATES)
  state!: ServerState;
  @ApiPropertyOptional({ maxLength: 500 }) @IsOptional() @IsString() @MaxLength(500)
  reason?: string;
}

export class ListServersQuery {
  @ApiPropertyOptional({ enum: SERVER_STATES }) @IsOptional() @IsIn(SERVER_STATES)
  state?: ServerState;
  @ApiPropertyOptional({ description: 'a service id, or "none" for the free pool' }) @IsOptional() @Matches(/^(none|[0-9a-f-]{36})$/i, { message: 'service must be a UUID or "none"' })
  service?: string;
  @ApiPropertyOptional({ description: 'label selector: k=v pairs separated by commas', example: 'tier=web,zone=a' })
  @IsOptional() @Matches(/^[A-Za-z0-9._/-]{1,63}=[A-Za-z0-9._/-]{0,63}(,[A-Za-z0-9._/-]{1,63}=[A-Za-z0-9._/-]{0,63})*$/, { message: 'selector must be k=v pairs separated by commas' })
  selector?: string;
  @ApiPropertyOptional({ minimum: 1, maximum: 500, default: 50 }) @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(500)
  limit?: number;
  @ApiPropertyOptional({ description: 'opaque cursor from the previous page' }) @IsOptional() @IsString() @MaxLength(200)
  cursor?: string;
}

export class ServerDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty() host!: string;
  @ApiProperty() port!: number;
  @ApiProperty({ enum: PROTOCOLS }) protocol!: Protocol;
  @ApiProperty() weight!: number;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' } }) labels!: Record<string, string>;
  @ApiProperty({ nullable: true, type: String }) zone!: string | null;
  @ApiProperty({ nullable: true, type: Number }) maxConnections!: number | null;
  @ApiProperty({ enum: SERVER_STATES }) state!: ServerState;
  @ApiProperty({ nullable: true, type: String, format: 'uuid', description: 'null when the server is in the free pool' }) serviceId!: string | null;
  @ApiProperty({ nullable: true, type: String }) stateReason!: string | null;
  @ApiProperty({ type: String, format: 'date-time' }) stateChangedAt!: string;
  @ApiProperty({ type: String, format: 'date-time' }) registeredAt!: string;
  @ApiProperty({ type: String, format: 'date-time' }) updatedAt!: string;

  static from(s: Server): ServerDto {
    return {
      id: s.id, name: s.name, host: s.host, port: s.port, protocol: s.protocol, weight: s.weight, labels: s.labels, zone: s.zone,
      maxConnections: s.maxConnections, state: s.state, serviceId: s.serviceId, stateReason: s.stateReason,
      stateChangedAt: s.stateChangedAt.toISOString(), registeredAt: s.registeredAt.toISOString(), updatedAt: s.updatedAt.toISOString(),
    };
  }
}

export class ServerPageDto {
  @ApiProperty({ type: [ServerDto] }) items!: ServerDto[];
  @ApiProperty({ nullable: true, type: String, description: 'pass as `cursor` for the next page; null on the last page' }) nextCursor!: string | null;
}

export class IdParam {
  @IsUUID() id!: string;
}

