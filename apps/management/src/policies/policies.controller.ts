import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CallContext, Ctx } from '../auth/principal';
import { ApiAuth, ApiProblems } from '../common/api-problems';
import { CreatePolicyDto, PolicyDto, UpdatePolicyDto } from './policy.dto';
import { PoliciesService } from './policies.service';

@ApiTags('policies')
@ApiAuth()
@Controller('v1/services/:id/policies')
export class PoliciesController {
  constructor(private readonly policies: PoliciesService) {}

  @Post()
  @ApiOperation({ operationId: 'createPolicy', summary: 'Give a service a scaling policy (target-tracking or threshold; live or shadow)' })
  @ApiCreatedResponse({ type: PolicyDto })
  @ApiProblems(400, 404, 409)
  create(@Param('id', ParseUUIDPipe) id: string, @Body() dto: CreatePolicyDto, @Ctx() ctx: CallContext): Promise<PolicyDto> {
    return this.policies.createPolicy(id, dto, ctx);
  }

  @Get()
  @ApiOperation({ operationId: 'listPolicies', summary: "A service's scaling policies" })
  @ApiOkResponse({ type: [PolicyDto] })
  @ApiProblems(400, 404)
  list(@Param('id', ParseUUIDPipe) id: string): Promise<PolicyDto[]> {
    return this.policies.listPolicies(id);
  }

  @Get(':policyId')
  @ApiOperation({ operationId: 'getPolicy', summary: 'Get one scaling policy' })
  @ApiOkResponse({ type: PolicyDto })
  @ApiProblems(400, 404)
  async get(@Param('id', ParseUUIDPipe) id: string, @Param('policyId', ParseUUIDPipe) policyId: string): Promise<PolicyDto> {
    return PolicyDto.from(await this.policies.getPolicy(id, policyId));
  }

  @Patch(':policyId')
  @ApiOperation({ operationId: 'updatePolicy', summary: 'Change a scaling policy' })
  @ApiOkResponse({ type: PolicyDto })
  @ApiProblems(400, 404)
  update(@Param('id', ParseUUIDPipe) id: string, @Param('policyId', ParseUUIDPipe) policyId: string, @Body() dto: UpdatePolicyDto, @Ctx() ctx: CallContext): Promise<PolicyDto> {
    return this.policies.updatePolicy(id, policyId, dto, ctx);
  }

  @Delete(':policyId')
  @HttpCode(204)
  @ApiOperation({ operationId: 'deletePolicy', summary: 'Delete a scaling policy (the service stops scaling by itself)' })
  @ApiNoContentResponse()
  @ApiProblems(400, 404)
  remove(@Param('id', ParseUUIDPipe) id: string, @Param('policyId', ParseUUIDPipe) policyId: string, @Ctx() ctx: CallContext): Promise<void> {
    return this.policies.deletePolicy(id, policyId, ctx);
  }
}
