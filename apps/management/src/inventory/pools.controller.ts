import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CallContext, Ctx } from '../auth/principal';
import { ApiAuth, ApiProblems } from '../common/api-problems';
import { AllocateDto, DeallocateDto, PoolChangeDto, PoolDto, PoolsDto } from './dto/pool.dto';
import { ServerDto } from './dto/server.dto';
import { PoolsService } from './pools.service';

@ApiTags('pools')
@ApiAuth()
@Controller('v1')
export class PoolsController {
  constructor(private readonly pools: PoolsService) {}

  @Get('pools')
  @ApiOperation({ operationId: 'listPools', summary: 'The free pool and every service\'s allocated pool' })
  @ApiOkResponse({ type: PoolsDto })
  list(): Promise<PoolsDto> {
    return this.pools.listPools();
  }

  @Get('services/:id/pool')
  @ApiOperation({ operationId: 'getServicePool', summary: 'One service\'s allocated pool' })
  @ApiOkResponse({ type: PoolDto })
  @ApiProblems(400, 404)
  get(@Param('id', ParseUUIDPipe) id: string): Promise<PoolDto> {
    return this.pools.getServicePool(id);
  }

  @Post('services/:id/pool/allocate')
  @HttpCode(200)
  @ApiOperation({ operationId: 'allocateServers', summary: 'Move free servers into the service\'s pool (all or nothing)' })
  @ApiOkResponse({ type: PoolChangeDto })
  @ApiProblems(400, 404, 409)
  async allocate(@Param('id', ParseUUIDPipe) id: string, @Body() dto: AllocateDto, @Ctx() ctx: CallContext): Promise<PoolChangeDto> {
    const servers = await this.pools.allocate(id, dto, ctx);
    return { serviceId: id, servers: servers.map(ServerDto.from) };
  }

  @Post('services/:id/pool/deallocate')
  @HttpCode(200)
  @ApiOperation({ operationId: 'deallocateServers', summary: 'Drain servers out of the service\'s pool back to the free pool' })
  @ApiOkResponse({ type: PoolChangeDto })
  @ApiProblems(400, 404, 409)
  async deallocate(@Param('id', ParseUUIDPipe) id: string, @Body() dto: DeallocateDto, @Ctx() ctx: CallContext): Promise<PoolChangeDto> {
    const servers = await this.pools.deallocate(id, dto, ctx);
    return { serviceId: id, servers: servers.map(ServerDto.from) };
  }
}
