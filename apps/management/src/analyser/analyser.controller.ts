import { Controller, Get, Param, ParseUUIDPipe, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiAuth, ApiProblems } from '../common/api-problems';
import { AgentCapabilityQuery, CapabilitiesDto, DecisionDto, DecisionPageDto, ListDecisionsQuery } from './analyser.dto';
import { AnalyserService } from './analyser.service';

@ApiTags('decisions')
@ApiAuth()
@Controller('v1/services/:id/decisions')
export class DecisionsController {
  constructor(private readonly analyser: AnalyserService) {}

  @Get()
  @ApiOperation({ operationId: 'listDecisions', summary: "A service's scaling decisions with their evidence, newest first" })
  @ApiOkResponse({ type: DecisionPageDto })
  @ApiProblems(400, 404)
  list(@Param('id', ParseUUIDPipe) id: string, @Query() q: ListDecisionsQuery): Promise<DecisionPageDto> {
    return this.analyser.listDecisions(id, q);
  }

  @Get(':decisionId')
  @ApiOperation({ operationId: 'getDecision', summary: 'One scaling decision with its evidence' })
  @ApiOkResponse({ type: DecisionDto })
  @ApiProblems(400, 404)
  get(@Param('id', ParseUUIDPipe) id: string, @Param('decisionId', ParseUUIDPipe) decisionId: string): Promise<DecisionDto> {
    return this.analyser.getDecision(id, decisionId);
  }
}

@ApiTags('capabilities')
@ApiAuth()
@Controller('v1')
export class CapabilitiesController {
  constructor(private readonly analyser: AnalyserService) {}

  @Get('servers/:id/capabilities')
  @ApiOperation({ operationId: 'getServerCapabilities', summary: 'Throughput a server sustains within its service\'s latency objective, learned from telemetry' })
  @ApiOkResponse({ type: CapabilitiesDto })
  @ApiProblems(400, 404)
  server(@Param('id', ParseUUIDPipe) id: string): Promise<CapabilitiesDto> {
    return this.analyser.serverCapabilities(id);
  }

  @Get('agents/:id/capabilities')
  @ApiOperation({ operationId: 'getAgentCapabilities', summary: 'Throughput an agent itself sustains within a latency objective, learned from its own samples' })
  @ApiOkResponse({ type: CapabilitiesDto })
  @ApiProblems(400)
  agent(@Param('id', ParseUUIDPipe) id: string, @Query() q: AgentCapabilityQuery): Promise<CapabilitiesDto> {
    return this.analyser.agentCapabilities(id, q.objectiveMs ?? 250);
  }
}
