import { Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query, Req, Res } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { prefersXml } from '../../../../libs/common/src/negotiate';
import { encodeXml, XmlDocumentSchema } from '../../../../libs/codec/src/xml';
import { REPORT_ACK_XML, ReportAckDto, ReportBatchDto } from '../../../../libs/protocol/src/report';
import { AgentSelf, Scopes } from '../auth/principal';
import { ApiAuth, ApiProblems } from '../common/api-problems';
import { ApiXml } from '../common/api-xml';
import { BACKEND_STATES_XML, BackendStateDto, METRICS_RESPONSE_XML, MetricsQueryDto, MetricsResponseDto } from './telemetry.dto';
import { TelemetryService, UnsupportedMediaTypeError } from './telemetry.service';

function negotiate<T extends object>(req: Request, res: Response, body: T, xml: XmlDocumentSchema): T | string {
  res.vary('Accept');
  if (!prefersXml(req.headers.accept)) return body;
  res.type('application/xml');
  return encodeXml(body as Record<string, unknown>, xml);
}

@ApiTags('telemetry')
@Controller('v1')
export class TelemetryController {
  constructor(private readonly telemetry: TelemetryService) {}

  /** The body arrives as text (bootstrap registers a text parser for this route) so decoding is timed and capped here. */
  @Post('agents/:id/reports')
  @HttpCode(200)
  @ApiAuth()
  @Scopes('agent')
  @AgentSelf()
  @ApiOperation({ operationId: 'postAgentReports', summary: 'An agent sends a batch of performance reports (XML or JSON, gzip allowed); each (agent, seq) is stored once' })
  @ApiConsumes('application/xml', 'application/json')
  @ApiBody({ type: ReportBatchDto })
  @ApiXml({ root: 'reportBatch' })
  @ApiOkResponse({ type: ReportAckDto })
  @ApiProblems(400, 404, 413, 415)
  async postReports(@Param('id', ParseUUIDPipe) id: string, @Req() req: Request & { id?: unknown }, @Res({ passthrough: true }) res: Response): Promise<ReportAckDto | string> {
    const format = req.is(['application/xml', 'text/xml', 'application/*+xml']) ? 'xml' : req.is(['application/json', 'application/*+json']) ? 'json' : null;
    if (!format || typeof req.body !== 'string') throw new UnsupportedMediaTypeError(req.headers['content-type'] ?? '');
    const ack = await this.telemetry.recordReports(id, format, req.body, req.id ? String(req.id) : null);
    return negotiate(req, res, ack, REPORT_ACK_XML);
  }

  @Get('metrics')
  @ApiAuth()
  @ApiOperation({ operationId: 'queryMetrics', summary: 'Time series of reported metrics, per server, agent or service (JSON or XML)' })
  @ApiXml({ root: 'metrics' })
  @ApiOkResponse({ type: MetricsResponseDto })
  @ApiProblems(400)
  async queryMetrics(@Query() q: MetricsQueryDto, @Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<MetricsResponseDto | string> {
    return negotiate(req, res, await this.telemetry.queryMetrics(q), METRICS_RESPONSE_XML);
  }

  @Get('agents/:id/backend-states')
  @ApiAuth()
  @Scopes('read', 'agent')
  @AgentSelf()
  @ApiOperation({ operationId: 'getAgentBackendStates', summary: 'The newest health, drain state and traffic an agent reported for each backend in its last 120 reports' })
  @ApiXml({ root: 'backendStates' })
  @ApiOkResponse({ type: [BackendStateDto] })
  @ApiProblems(400)
  async backendStates(@Param('id', ParseUUIDPipe) id: string, @Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<BackendStateDto[] | string> {
    const states = await this.telemetry.latestBackendStates(id);
    if (!prefersXml(req.headers.accept)) return states;
    res.vary('Accept').type('application/xml');
    return encodeXml({ states } as Record<string, unknown>, BACKEND_STATES_XML);
  }
}
