import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post, Query, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AgentSelf, CallContext, Ctx, Public, Scopes } from '../auth/principal';
import { ApiAuth, ApiProblems } from '../common/api-problems';
import { AgentDto, AssignAgentDto, EnrolAgentDto, EnrolledAgentDto, HeartbeatDto, ListAgentsQuery } from './agents.dto';
import { AgentsService } from './agents.service';

@ApiTags('agents')
@Controller('v1/agents')
export class AgentsController {
  constructor(private readonly agents: AgentsService) {}

  @Post('enrol')
  @Public()
  @ApiOperation({ operationId: 'enrolAgent', summary: 'Enrol an agent with an enrolment token; returns its credential once' })
  @ApiCreatedResponse({ type: EnrolledAgentDto })
  @ApiProblems(400, 401)
  async enrol(@Body() dto: EnrolAgentDto, @Req() req: { id?: string }): Promise<EnrolledAgentDto> {
    const { agent, credential } = await this.agents.enrolAgent(dto, req.id ? String(req.id) : null);
    return { id: agent.id, credential };
  }

  @Get()
  @ApiAuth()
  @ApiOperation({ operationId: 'listAgents', summary: 'List agents with their online / stale / offline status' })
  @ApiOkResponse({ type: [AgentDto] })
  @ApiProblems(400)
  list(@Query() q: ListAgentsQuery): Promise<AgentDto[]> {
    return this.agents.listAgents(q.status);
  }

  @Get(':id')
  @ApiAuth()
  @Scopes('read', 'agent')
  @AgentSelf()
  @ApiOperation({ operationId: 'getAgent', summary: 'Get one agent' })
  @ApiOkResponse({ type: AgentDto })
  @ApiProblems(400, 404)
  get(@Param('id', ParseUUIDPipe) id: string): Promise<AgentDto> {
    return this.agents.getAgent(id);
  }

  @Post(':id/heartbeat')
  @HttpCode(200)
  @ApiBearerAuth()
  @ApiProblems(401, 403)
  @Scopes('agent')
  @AgentSelf()
  @ApiOperation({ operationId: 'agentHeartbeat', summary: 'An agent says it is alive' })
  @ApiOkResponse({ type: AgentDto })
  @ApiProblems(400, 404)
  heartbeat(@Param('id', ParseUUIDPipe) id: string, @Body() dto: HeartbeatDto): Promise<AgentDto> {
    return this.agents.recordHeartbeat(id, dto);
  }

  @Post(':id/assignments')
  @HttpCode(200)
  @ApiAuth()
  @ApiOperation({ operationId: 'assignAgent', summary: 'Assign an agent to a service (it then serves only its services)' })
  @ApiOkResponse({ type: AgentDto })
  @ApiProblems(400, 404)
  assign(@Param('id', ParseUUIDPipe) id: string, @Body() dto: AssignAgentDto, @Ctx() ctx: CallContext): Promise<AgentDto> {
    return this.agents.assignAgent(id, dto.serviceId, ctx);
  }

  @Delete(':id/assignments/:serviceId')
  @ApiAuth()
  @ApiOperation({ operationId: 'unassignAgent', summary: 'Return an agent from a service' })
  @ApiOkResponse({ type: AgentDto })
  @ApiProblems(400, 404, 409)
  unassign(@Param('id', ParseUUIDPipe) id: string, @Param('serviceId', ParseUUIDPipe) serviceId: string, @Ctx() ctx: CallContext): Promise<AgentDto> {
    return this.agents.unassignAgent(id, serviceId, ctx);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiAuth()
  @ApiOperation({ operationId: 'revokeAgent', summary: 'Revoke an agent and its credential' })
  @ApiNoContentResponse()
  @ApiProblems(400, 404)
  async revoke(@Param('id', ParseUUIDPipe) id: string, @Ctx() ctx: CallContext): Promise<void> {
    await this.agents.revokeAgent(id, ctx);
  }
}
