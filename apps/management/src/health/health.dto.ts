import { ApiExtraModels, ApiProperty, ApiPropertyOptional, getSchemaPath } from '@nestjs/swagger';
import { ProblemDto } from '../common/api-problems';

export class DependencyCheckDto {
  @ApiProperty({ enum: ['up', 'down'] }) status!: 'up' | 'down';
  @ApiPropertyOptional({ description: 'why the dependency is down', example: 'timeout of 1000ms exceeded' }) message?: string;
}

const CHECKS = { type: 'object', additionalProperties: { $ref: getSchemaPath(DependencyCheckDto) } } as const;

/** Terminus's health result: every dependency by name (`database`, `redis`). */
@ApiExtraModels(DependencyCheckDto)
export class HealthResultDto {
  @ApiProperty({ enum: ['ok'] }) status!: 'ok';
  @ApiProperty({ ...CHECKS, description: 'the dependencies that answer', example: { database: { status: 'up' }, redis: { status: 'up' } } }) info!: Record<string, DependencyCheckDto>;
  @ApiProperty({ ...CHECKS, description: 'the dependencies that do not (empty when ready)', example: {} }) error!: Record<string, DependencyCheckDto>;
  @ApiProperty({ ...CHECKS, description: 'every dependency', example: { database: { status: 'up' }, redis: { status: 'up' } } }) details!: Record<string, DependencyCheckDto>;
}

/** 503 from /health/ready: the problem names the dependencies that are down in `detail` and `checks`. */
@ApiExtraModels(DependencyCheckDto)
export class NotReadyProblemDto extends ProblemDto {
  @ApiProperty({ ...CHECKS, description: 'every dependency with its state', example: { database: { status: 'up' }, redis: { status: 'down', message: 'timeout' } } }) checks!: Record<string, DependencyCheckDto>;
  @ApiProperty({ type: [String], description: 'the dependencies that are down', example: ['redis'] }) down!: string[];
}
