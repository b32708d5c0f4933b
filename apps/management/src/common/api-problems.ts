import { applyDecorators } from '@nestjs/common';
import { ApiBearerAuth, ApiProperty, ApiPropertyOptional, ApiResponse } from '@nestjs/swagger';

export class FieldErrorDto {
  @ApiProperty({ example: 'port' }) field!: string;
  @ApiProperty({ type: [String] }) messages!: string[];
}

/** RFC 9457 problem details. */
export class ProblemDto {
  @ApiProperty({ example: 'https://headroom.dev/problems/bad-request' }) type!: string;
  @ApiProperty({ example: 'Bad request' }) title!: string;
  @ApiProperty({ example: 400 }) status!: number;
  @ApiPropertyOptional() detail?: string;
  @ApiPropertyOptional() instance?: string;
  @ApiPropertyOptional() requestId?: string;
  @ApiPropertyOptional({ type: [FieldErrorDto] }) errors?: FieldErrorDto[];
}

const DESCRIPTIONS: Record<number, string> = {
  400: 'invalid input; `errors` names each field',
  401: 'no valid API key',
  403: 'the key lacks the scope this call needs',
  404: 'no such resource',
  409: 'the change conflicts with the current state',
  413: 'body too large',
  415: 'unsupported media type',
  503: 'a dependency is unavailable; retry after Retry-After',
};

/** Documents the problem+json responses of an operation. */
export function ApiProblems(...statuses: number[]) {
  return applyDecorators(
    ...statuses.map((status) =>
      ApiResponse({ status, description: DESCRIPTIONS[status] ?? 'error', content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/ProblemDto' } } } }),
    ),
  );
}

/** Authenticated operation: bearer key plus the standard 401/403 problems. */
export function ApiAuth() {
  return applyDecorators(ApiBearerAuth(), ApiProblems(401, 403));
}
