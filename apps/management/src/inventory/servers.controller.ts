import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CallContext, Ctx } from '../auth/principal';
import { ApiAuth, ApiProblems } from '../common/api-problems';
import { CreateServerDto, ListServersQuery, ServerDto, ServerPageDto, TransitionServerDto, UpdateServerDto } from './dto/server.dto';
import { ServersService } from './servers.service';

@ApiTags('servers')
@ApiAuth()
@Controller('v1/servers')
export class ServersController {
  constructor(private readonly servers: ServersService) {}

  @Post()
  @ApiOperation({ operationId: 'registerServer', summary: 'Register a backend server into the free pool' })
  @ApiCreatedResponse({ type: ServerDto })
  @ApiProblems(400, 409)
  async register(@Body() dto: CreateServerDto, @Ctx() ctx: CallContext): Promise<ServerDto> {
    return ServerDto.from(await this.servers.registerServer(dto, ctx));
  }

  @Get()
  @ApiOperation({ operationId: 'listServers', summary: 'List servers with filters and cursor pagination' })
  @ApiOkResponse({ type: ServerPageDto })
  @ApiProblems(400)
  list(@Query() q: ListServersQuery): Promise<ServerPageDto> {
    return this.servers.listServers(q);
  }

  @Get(':id')
  @ApiOperation({ operationId: 'getServer', summary: 'Get one server' })
  @ApiOkResponse({ type: ServerDto })
  @ApiProblems(400, 404)
  async get(@Param('id', ParseUUIDPipe) id: string): Promise<ServerDto> {
    return ServerDto.from(await this.servers.getServer(id));
  }

  @Patch(':id')
  @ApiOperation({ operationId: 'updateServer', summary: 'Change a server\'s attributes' })
  @ApiOkResponse({ type: ServerDto })
  @ApiProblems(400, 404, 409)
  async update(@Param('id', ParseUUIDPipe) id: string, @Body() dto: UpdateServerDto, @Ctx() ctx: CallContext): Promise<ServerDto> {
    return ServerDto.from(await this.servers.updateServer(id, dto, ctx));
  }

  @Post(':id/state')
  @HttpCode(200)
  @ApiOperation({ operationId: 'transitionServer', summary: 'Move a server to another state (quarantine, release, ...)' })
  @ApiOkResponse({ type: ServerDto })
  @ApiProblems(400, 404, 409)
  async transition(@Param('id', ParseUUIDPipe) id: string, @Body() dto: TransitionServerDto, @Ctx() ctx: CallContext): Promise<ServerDto> {
    return ServerDto.from(await this.servers.transitionServer(id, dto.state, dto.reason ?? null, ctx));
  }

  @Post(':id/retire')
  @HttpCode(200)
  @ApiOperation({ operationId: 'retireServer', summary: 'Retire a free or quarantined server for good' })
  @ApiOkResponse({ type: ServerDto })
  @ApiProblems(400, 404, 409)
  async retire(@Param('id', ParseUUIDPipe) id: string, @Ctx() ctx: CallContext): Promise<ServerDto> {
    return ServerDto.from(await this.servers.retireServer(id, ctx));
  }
}
