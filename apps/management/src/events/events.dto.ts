import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsBoolean, IsInt, IsOptional, IsUrl, IsUUID, Matches, Max, MaxLength, Min, MinLength } from 'class-validator';
import { WebhookSubscription } from './event.entity';

const TYPE_FILTER = /^[a-z][a-z_]*(\.[a-z_]+)*(\.\*)?$/;

export class EventDto {
  @ApiProperty({ example: '42', description: 'bigserial id; the SSE id' }) id!: string;
  @ApiProperty({ type: String, format: 'date-time' }) at!: string;
  @ApiProperty({ example: 'decision.scale_out' }) type!: string;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) serviceId!: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true }) data!: Record<string, unknown>;
}

export class EventStreamQuery {
  @ApiPropertyOptional({ description: 'resume after this id (the Last-Event-ID header wins)' }) @IsOptional() @Matches(/^\d{1,19}$/) after?: string;
  @ApiPropertyOptional({ description: 'without a resume point: replay this many recent events first', default: 50, minimum: 0, maximum: 1000 })
  @IsOptional() @Type(() => Number) @IsInt() @Min(0) @Max(1000) backlog?: number;
  @ApiPropertyOptional({ description: 'comma-separated type filters: exact names or prefixes like `decision.*`' })
  @IsOptional() @MaxLength(500) @Matches(/^[a-z_.*]+(,[a-z_.*]+)*$/) types?: string;
  @ApiPropertyOptional({ format: 'uuid' }) @IsOptional() @IsUUID() service?: string;
}

export class CreateWebhookDto {
  @ApiProperty({ example: 'https://ops.example.com/headroom' }) @IsUrl({ protocols: ['http', 'https'], require_tld: false, require_protocol: true }) @MaxLength(2000) url!: string;
  @ApiPropertyOptional({ type: [String], example: ['server.*', 'decision.scale_out'], description: 'event types or `prefix.*`; empty or absent: all' })
  @IsOptional() @ArrayMaxSize(50) @Matches(TYPE_FILTER, { each: true }) types?: string[];
  @ApiPropertyOptional({ format: 'uuid', description: 'only events of this service' }) @IsOptional() @IsUUID() serviceId?: string;
  @ApiPropertyOptional({ description: 'HMAC key; generated when absent' }) @IsOptional() @MinLength(16) @MaxLength(200) secret?: string;
}

export class UpdateWebhookDto {
  @ApiPropertyOptional() @IsOptional() @IsUrl({ protocols: ['http', 'https'], require_tld: false, require_protocol: true }) @MaxLength(2000) url?: string;
  @ApiPropertyOptional({ type: [String] }) @IsOptional() @ArrayMaxSize(50) @Matches(TYPE_FILTER, { each: true }) types?: string[];
  @ApiPropertyOptional() @IsOptional() @IsBoolean() enabled?: boolean;
}

export class WebhookDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() url!: string;
  @ApiProperty({ type: [String] }) types!: string[];
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) serviceId!: string | null;
  @ApiProperty() enabled!: boolean;
  @ApiProperty({ type: String, format: 'date-time' }) createdAt!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) lastDeliveryAt!: string | null;
  @ApiProperty({ type: Number, nullable: true, description: 'HTTP status of the last attempt' }) lastStatus!: number | null;
  @ApiProperty({ type: String, nullable: true }) lastError!: string | null;

  static from(w: WebhookSubscription): WebhookDto {
    return {
      id: w.id, url: w.url, types: w.types, serviceId: w.serviceId, enabled: w.enabled, createdAt: w.createdAt.toISOString(),
      lastDeliveryAt: w.lastDeliveryAt?.toISOString() ?? null, lastStatus: w.lastStatus, lastError: w.lastError,
    };
  }
}

export class CreatedWebhookDto extends WebhookDto {
  @ApiProperty({ description: 'the HMAC-SHA256 key, shown once: X-Headroom-Signature = "sha256=" + hex(HMAC(secret, timestamp + "." + body))' }) secret!: string;
}
