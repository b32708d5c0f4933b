import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query, Req, Res } from '@nestjs/common';
import { ApiNotModifiedResponse, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { prefersXml } from '../../../../libs/common/src/negotiate';
import { BackendConfigDto, ConfigDocumentDto } from '../../../../libs/protocol/src/config-document';
import { encodeConfigXml } from '../../../../libs/protocol/src/config-codec';
import { NotFoundError } from '../../../../libs/common/src/problem';
import { AgentSelf, Scopes } from '../auth/principal';
import { ApiAuth, ApiProblems } from '../common/api-problems';
import { ApiXml } from '../common/api-xml';
import { ConfigAckDto, ConfigAckResultDto, ConfigPollQuery, ListUpdatesQuery, UpdateDto } from './updates.dto';
import { UpdatesService } from './updates.service';
import { encodeXml } from '../../../../libs/codec/src/xml';

function send(req: Request, res: Response, body: object, xml: () => string): void {
  if (prefersXml(req.headers.accept)) res.type('application/xml').send(xml());
  else res.type('application/json').send(JSON.stringify(body));
}

@ApiTags('updates')
@ApiAuth()
@Controller('v1')
export class UpdatesController {
  constructor(private readonly updates: UpdatesService) {}

  @Get('agents/:id/config')
  @Scopes('agent', 'read')
  @AgentSelf()
  @ApiXml({ root: 'config' })
  @ApiProduces('application/json', 'application/xml')
  @ApiOperation({ operationId: 'pollAgentConfig', summary: 'Long poll for the agent\'s next configuration revision (XML or JSON by Accept)' })
  @ApiOkResponse({ type: ConfigDocumentDto, description: 'a revision newer than `after`' })
  @ApiNotModifiedResponse({ description: 'nothing newer arrived within `wait` seconds' })
  @ApiProblems(400, 404)
  async poll(@Param('id', ParseUUIDPipe) id: string, @Query() q: ConfigPollQuery, @Req() req: Request, @Res() res: Response): Promise<void> {
    const rev = await this.updates.waitForRevision(id, q.after ?? 0, (q.wait ?? 30) * 1000);
    if (res.destroyed || res.writableEnded) return;
    if (!rev) {
      res.status(304).end();
      return;
    }
    res.setHeader('X-Config-Version', String(rev.version));
    send(req, res, rev.document, () => encodeConfigXml(rev.document));
  }

  @Get('agents/:id/config/backends/:serverId')
  @Scopes('agent', 'read')
  @AgentSelf()
  @ApiXml({ root: 'backend' })
  @ApiProduces('application/json', 'application/xml')
  @ApiOperation({ operationId: 'getBackendConfig', summary: 'One backend\'s connection configuration in the agent\'s current revision' })
  @ApiOkResponse({ type: BackendConfigDto })
  @ApiProblems(400, 404)
  async backend(@Param('id', ParseUUIDPipe) id: string, @Param('serverId', ParseUUIDPipe) serverId: string, @Req() req: Request, @Res() res: Response): Promise<void> {
    const rev = await this.updates.getRevision(id);
    const doc = rev.document as unknown as ConfigDocumentDto;
    for (const svc of doc.services) {
      const b = svc.backends.find((x) => x.id === serverId);
      if (b) {
        const body = { ...b, serviceId: svc.id, version: rev.version };
        res.setHeader('X-Config-Version', String(rev.version));
        send(req, res, b, () => encodeXml(body, { root: 'backend', schema: { attrs: { id: 'string', name: 'string', host: 'string', port: 'number', protocol: 'string', weight: 'number', maxConnections: 'number', serviceId: 'string', version: 'number' } } }));
        return;
      }
    }
    throw new NotFoundError('Backend', serverId);
  }

  @Post('agents/:id/config/acks')
  @HttpCode(200)
  @Scopes('agent')
  @AgentSelf()
  @ApiOperation({ operationId: 'ackAgentConfig', summary: 'An agent reports that it applied or rejected a revision' })
  @ApiOkResponse({ type: ConfigAckResultDto })
  @ApiProblems(400, 404, 409)
  async ack(@Param('id', ParseUUIDPipe) id: string, @Body() dto: ConfigAckDto): Promise<ConfigAckResultDto> {
    const { updateIds } = await this.updates.recordAck(id, dto);
    return { accepted: true, updateIds };
  }

  @Get('updates')
  @ApiOperation({ operationId: 'listUpdates', summary: 'Configuration updates, newest first, with per-agent state' })
  @ApiOkResponse({ type: [UpdateDto] })
  @ApiProblems(400)
  async list(@Query() q: ListUpdatesQuery): Promise<UpdateDto[]> {
    const rows = await this.updates.listUpdates(q.limit ?? 50, q.status);
    const agents = await this.updates.agentsOf(rows.map((u) => u.id));
    return rows.map((u) => UpdateDto.from(u, agents.get(u.id) ?? []));
  }

  @Get('updates/:id')
  @ApiOperation({ operationId: 'getUpdate', summary: 'One update with its per-agent state and timeline' })
  @ApiOkResponse({ type: UpdateDto })
  @ApiProblems(400, 404)
  async get(@Param('id', ParseUUIDPipe) id: string): Promise<UpdateDto> {
    const { update, agents } = await this.updates.getUpdate(id);
    return UpdateDto.from(update, agents);
  }
}
