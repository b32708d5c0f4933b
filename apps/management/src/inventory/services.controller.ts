import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CallContext, Ctx } from '../auth/principal';
import { ApiAuth, ApiProblems } from '../common/api-problems';
import { CreateServiceDto, ListServicesQuery, ServiceDto, ServicePageDto, UpdateServiceDto } from './dto/service.dto';
import { ServicesService } from './services.service';

@ApiTags('services')
@ApiAuth()
@Controller('v1/services')
export class ServicesController {
  constructor(private readonly services: ServicesService) {}

  @Post()
  @ApiOperation({ operationId: 'createService', summary: 'Create a service (no agent change needed)' })
  @ApiCreatedResponse({ type: ServiceDto })
  @ApiProblems(400, 409)
  async create(@Body() dto: CreateServiceDto, @Ctx() ctx: CallContext): Promise<ServiceDto> {
    return ServiceDto.from(await this.services.createService(dto, ctx));
  }

  @Get()
  @ApiOperation({ operationId: 'listServices', summary: 'List services' })
  @ApiOkResponse({ type: ServicePageDto })
  @ApiProblems(400)
  list(@Query() q: ListServicesQuery): Promise<ServicePageDto> {
    return this.services.listServices(q);
  }

  @Get(':id')
  @ApiOperation({ operationId: 'getService', summary: 'Get one service' })
  @ApiOkResponse({ type: ServiceDto })
  @ApiProblems(400, 404)
  async get(@Param('id', ParseUUIDPipe) id: string): Promise<ServiceDto> {
    return ServiceDto.from(await this.services.getService(id));
  }

  @Patch(':id')
  @ApiOperation({ operationId: 'updateService', summary: 'Change a service' })
  @ApiOkResponse({ type: ServiceDto })
  @ApiProblems(400, 404)
  async update(@Param('id', ParseUUIDPipe) id: string, @Body() dto: UpdateServiceDto, @Ctx() ctx: CallContext): Promise<ServiceDto> {
    return ServiceDto.from(await this.services.updateService(id, dto, ctx));
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ operationId: 'deleteService', summary: 'Delete a service whose pool is empty' })
  @ApiNoContentResponse()
  @ApiProblems(400, 404, 409)
  async remove(@Param('id', ParseUUIDPipe) id: string, @Ctx() ctx: CallContext): Promise<void> {
    await this.services.deleteService(id, ctx);
  }
}
