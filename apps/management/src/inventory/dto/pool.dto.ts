import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsInt, IsOptional, IsUUID, Max, Min } from 'class-validator';
import { ServerDto } from './server.dto';

export class AllocateDto {
  @ApiPropertyOptional({ minimum: 1, maximum: 1000, description: 'how many free servers to claim; give this or serverIds' })
  @IsOptional() @IsInt() @Min(1) @Max(1000)
  count?: number;
  @ApiPropertyOptional({ type: [String], description: 'exactly these free servers; give this or count' })
  @IsOptional() @ArrayMinSize(1) @ArrayMaxSize(1000) @ArrayUnique() @IsUUID('all', { each: true })
  serverIds?: string[];
}

export class DeallocateDto {
  @ApiPropertyOptional({ minimum: 1, maximum: 1000, description: 'how many servers to release (newest first); give this or serverIds' })
  @IsOptional() @IsInt() @Min(1) @Max(1000)
  count?: number;
  @ApiPropertyOptional({ type: [String] }) @IsOptional() @ArrayMinSize(1) @ArrayMaxSize(1000) @ArrayUnique() @IsUUID('all', { each: true })
  serverIds?: string[];
}

export class PoolDto {
  @ApiProperty({ nullable: true, type: String, format: 'uuid', description: 'null for the free pool' }) serviceId!: string | null;
  @ApiProperty({ nullable: true, type: String }) serviceName!: string | null;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'integer' }, description: 'server count by state' }) counts!: Record<string, number>;
  @ApiProperty({ type: [ServerDto] }) servers!: ServerDto[];
}

export class PoolsDto {
  @ApiProperty({ type: PoolDto }) free!: PoolDto;
  @ApiProperty({ type: [PoolDto] }) services!: PoolDto[];
}

export class PoolChangeDto {
  @ApiProperty({ format: 'uuid' }) serviceId!: string;
  @ApiProperty({ type: [ServerDto], description: 'the servers this call moved' }) servers!: ServerDto[];
}
