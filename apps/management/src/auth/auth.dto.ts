import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsIn, IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import { ApiKey, SCOPES, type Scope } from './api-key.entity';

export class CreateApiKeyDto {
  @ApiProperty({ enum: SCOPES, isArray: true, example: ['read'] }) @ArrayMinSize(1) @ArrayMaxSize(3) @IsIn(SCOPES, { each: true })
  scopes!: Scope[];
  @ApiPropertyOptional({ example: 'ci' }) @IsOptional() @Matches(/^[A-Za-z0-9._ -]{1,63}$/, { message: 'name must be 1-63 characters of letters, digits, " ", ".", "_" or "-"' })
  name?: string;
}

export class ApiKeyDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ enum: SCOPES, isArray: true }) scopes!: Scope[];
  @ApiProperty({ nullable: true, type: String }) name!: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'uuid' }) agentId!: string | null;
  @ApiProperty({ type: String, format: 'date-time' }) createdAt!: string;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) lastUsedAt!: string | null;

  static from(k: ApiKey): ApiKeyDto {
    return { id: k.id, scopes: k.scopes, name: k.name, agentId: k.agentId, createdAt: k.createdAt.toISOString(), lastUsedAt: k.lastUsedAt?.toISOString() ?? null };
  }
}

export class CreatedApiKeyDto extends ApiKeyDto {
  @ApiProperty({ description: 'the key itself; shown once, only its hash is stored' }) key!: string;
}

export class CreateEnrolmentTokenDto {
  @ApiPropertyOptional({ example: 'edge fleet' }) @IsOptional() @Matches(/^[A-Za-z0-9._ -]{1,63}$/, { message: 'name must be 1-63 characters of letters, digits, " ", ".", "_" or "-"' })
  name?: string;
  @ApiPropertyOptional({ default: 86400, minimum: 60 }) @IsOptional() @IsInt() @Min(60) @Max(31_536_000)
  ttlSeconds?: number;
  @ApiPropertyOptional({ minimum: 1, description: 'how many agents may enrol with it (unlimited until expiry when absent)' }) @IsOptional() @IsInt() @Min(1) @Max(100_000)
  maxUses?: number;
}

export class EnrolmentTokenDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ description: 'the token itself; shown once, only its hash is stored' }) token!: string;
  @ApiProperty({ type: String, format: 'date-time' }) expiresAt!: string;
  @ApiProperty({ nullable: true, type: Number }) maxUses!: number | null;
}
