import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiAuth, ApiProblems } from '../common/api-problems';
import { ApiKeyDto, CreateApiKeyDto, CreatedApiKeyDto, CreateEnrolmentTokenDto, EnrolmentTokenDto } from './auth.dto';
import { AuthService } from './auth.service';
import { CallContext, Ctx, Scopes } from './principal';

@ApiTags('auth')
@ApiAuth()
@Controller('v1')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Post('api-keys')
  @Scopes('admin')
  @ApiOperation({ operationId: 'createApiKey', summary: 'Create an API key (shown once)' })
  @ApiCreatedResponse({ type: CreatedApiKeyDto })
  @ApiProblems(400)
  async createKey(@Body() dto: CreateApiKeyDto, @Ctx() ctx: CallContext): Promise<CreatedApiKeyDto> {
    const { key, token } = await this.auth.createApiKey(dto.scopes, dto.name ?? null, ctx);
    return { ...ApiKeyDto.from(key), key: token };
  }

  @Get('api-keys')
  @Scopes('admin')
  @ApiOperation({ operationId: 'listApiKeys', summary: 'List live API keys (never their secrets)' })
  @ApiOkResponse({ type: [ApiKeyDto] })
  async listKeys(): Promise<ApiKeyDto[]> {
    return (await this.auth.listApiKeys()).map(ApiKeyDto.from);
  }

  @Delete('api-keys/:id')
  @HttpCode(204)
  @Scopes('admin')
  @ApiOperation({ operationId: 'revokeApiKey', summary: 'Revoke an API key' })
  @ApiNoContentResponse()
  @ApiProblems(400, 404)
  async revokeKey(@Param('id', ParseUUIDPipe) id: string, @Ctx() ctx: CallContext): Promise<void> {
    await this.auth.revokeApiKey(id, ctx);
  }

  @Post('enrolment-tokens')
  @Scopes('admin')
  @ApiOperation({ operationId: 'createEnrolmentToken', summary: 'Create an enrolment token for agents (shown once)' })
  @ApiCreatedResponse({ type: EnrolmentTokenDto })
  @ApiProblems(400)
  async createToken(@Body() dto: CreateEnrolmentTokenDto, @Ctx() ctx: CallContext): Promise<EnrolmentTokenDto> {
    const { row, token } = await this.auth.createEnrolmentToken(dto, ctx);
    return { id: row.id, token, expiresAt: row.expiresAt.toISOString(), maxUses: row.maxUses };
  }
}
