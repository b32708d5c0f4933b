import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { Scopes } from '../auth/principal';
import { ApiAuth, ApiProblems } from '../common/api-problems';
import { AuditEntry } from './audit-entry.entity';
import { AuditService } from './audit.service';

export class ListAuditQuery {
  @ApiPropertyOptional({ description: 'only entries about this resource id' }) @IsOptional() @IsString() @MaxLength(64)
  targetId?: string;
  @ApiPropertyOptional({ description: 'entries older than this entry id (for paging back)' }) @IsOptional() @Matches(/^\d{1,19}$/, { message: 'before must be an entry id' })
  before?: string;
  @ApiPropertyOptional({ minimum: 1, maximum: 500, default: 100 }) @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(500)
  limit?: number;
}

export class AuditEntryDto {
  @ApiProperty() id!: string;
  @ApiProperty({ type: String, format: 'date-time' }) at!: string;
  @ApiProperty({ example: 'key:ops' }) actor!: string;
  @ApiProperty({ example: 'server.register' }) action!: string;
  @ApiProperty({ example: 'server' }) targetType!: string;
  @ApiProperty({ nullable: true, type: String }) targetId!: string | null;
  @ApiProperty({ nullable: true, type: 'object', additionalProperties: true }) before!: unknown;
  @ApiProperty({ nullable: true, type: 'object', additionalProperties: true }) after!: unknown;
  @ApiProperty({ nullable: true, type: String }) requestId!: string | null;

  static from(e: AuditEntry): AuditEntryDto {
    return { id: String(e.id), at: e.at.toISOString(), actor: e.actor, action: e.action, targetType: e.targetType, targetId: e.targetId, before: e.before, after: e.after, requestId: e.requestId };
  }
}

@ApiTags('audit')
@ApiAuth()
@Controller('v1/audit')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @Get()
  @Scopes('admin')
  @ApiOperation({ operationId: 'listAudit', summary: 'The audit log, newest first' })
  @ApiOkResponse({ type: [AuditEntryDto] })
  @ApiProblems(400)
  async list(@Query() q: ListAuditQuery): Promise<AuditEntryDto[]> {
    return (await this.audit.list({ targetId: q.targetId, before: q.before, limit: q.limit ?? 100 })).map(AuditEntryDto.from);
  }
}
