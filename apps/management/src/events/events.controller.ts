import { Body, Controller, Delete, Get, Headers, HttpCode, Param, ParseUUIDPipe, Patch, Post, Query, Req, Res } from '@nestjs/common';
import { ApiCreatedResponse, ApiHeader, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { DomainError } from '../../../../libs/common/src/problem';
import { ApiAuth, ApiProblems } from '../common/api-problems';
import { CreatedWebhookDto, CreateWebhookDto, EventStreamQuery, UpdateWebhookDto, WebhookDto } from './events.dto';
import { EventsService, EventView, typeMatches } from './events.service';
import { WebhooksService } from './webhooks.service';

const HEARTBEAT_MS = 15_000;

@ApiTags('events')
@ApiAuth()
@Controller('v1/events')
export class EventsController {
  constructor(private readonly events: EventsService) {}

  @Get()
  @ApiOperation({
    operationId: 'streamEvents',
    summary: 'The event stream (Server-Sent Events): decisions, allocations, de-allocations, updates and failures',
    description: 'Each event is `id: <bigserial>`, `event: <type>`, `data: <JSON EventDto>`. Reconnect with `Last-Event-ID` (or `?after=`) to resume without loss.',
  })
  @ApiProduces('text/event-stream')
  @ApiHeader({ name: 'Last-Event-ID', required: false, description: 'resume after this event id' })
  @ApiOkResponse({ description: 'an endless text/event-stream', content: { 'text/event-stream': { schema: { type: 'string' } } } })
  @ApiProblems(400)
  async stream(@Query() q: EventStreamQuery, @Headers('last-event-id') lastEventId: string | undefined, @Req() req: Request, @Res() res: Response): Promise<void> {
    if (lastEventId !== undefined && !/^\d{1,19}$/.test(lastEventId)) {
      throw new DomainError(400, 'bad-request', 'Bad request', 'Last-Event-ID must be an event id', { errors: [{ field: 'Last-Event-ID', messages: ['must be a decimal event id'] }] });
    }
    const filters = q.types ? q.types.split(',') : [];
    const wanted = (e: EventView) => typeMatches(filters, e.type) && (!q.service || e.serviceId === q.service);
    res.status(200);
    res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    res.setHeader('Cache-Control', 'no-cache, no-transform');
    res.setHeader('Connection', 'keep-alive');
    res.setHeader('X-Accel-Buffering', 'no');
    res.flushHeaders();
    req.socket.setTimeout(0);
    res.write('retry: 2000\n\n');

    let last = lastEventId ?? q.after ?? null;
    const send = (e: EventView) => {
      if (last !== null && BigInt(e.id) <= BigInt(last)) return;
      last = e.id;
      if (wanted(e)) res.write(`id: ${e.id}\nevent: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`);
    };
    // Listen first and buffer, then replay from the database up to what the feed has delivered.
    let buffered: EventView[] | null = [];
    const unsubscribe = this.events.subscribe((batch) => {
      if (buffered) buffered.push(...batch);
      else for (const e of batch) send(e);
    });
    const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS);
    const close = () => {
      clearInterval(heartbeat);
      unsubscribe();
    };
    req.on('close', close);
    try {
      const upTo = this.events.delivered;
      const replay = last !== null ? await this.events.history(last, upTo) : await this.events.history(null, upTo, q.backlog ?? 50);
      if (last === null && replay.length) last = String(BigInt(replay[0].id) - 1n);
      for (const e of replay) send(e);
      if (last === null) last = upTo;
      const pending = buffered;
      buffered = null;
      for (const e of pending) send(e);
    } catch (err) {
      close();
      res.end();
      throw err;
    }
  }
}

@ApiTags('events')
@ApiAuth()
@Controller('v1/webhooks')
export class WebhooksController {
  constructor(private readonly webhooks: WebhooksService) {}

  @Post()
  @ApiOperation({ operationId: 'createWebhook', summary: 'Subscribe a URL to events (HMAC-SHA256 signed, retried with backoff)' })
  @ApiCreatedResponse({ type: CreatedWebhookDto })
  @ApiProblems(400)
  create(@Body() dto: CreateWebhookDto): Promise<CreatedWebhookDto> {
    return this.webhooks.createWebhook(dto);
  }

  @Get()
  @ApiOperation({ operationId: 'listWebhooks', summary: 'List webhook subscriptions (never their secrets)' })
  @ApiOkResponse({ type: [WebhookDto] })
  list(): Promise<WebhookDto[]> {
    return this.webhooks.listWebhooks();
  }

  @Get(':id')
  @ApiOperation({ operationId: 'getWebhook', summary: 'Get one webhook subscription with its last delivery' })
  @ApiOkResponse({ type: WebhookDto })
  @ApiProblems(400, 404)
  async get(@Param('id', ParseUUIDPipe) id: string): Promise<WebhookDto> {
    return WebhookDto.from(await this.webhooks.getWebhook(id));
  }

  @Patch(':id')
  @ApiOperation({ operationId: 'updateWebhook', summary: 'Change a webhook subscription (url, types, enabled)' })
  @ApiOkResponse({ type: WebhookDto })
  @ApiProblems(400, 404)
  update(@Param('id', ParseUUIDPipe) id: string, @Body() dto: UpdateWebhookDto): Promise<WebhookDto> {
    return this.webhooks.updateWebhook(id, dto);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ operationId: 'deleteWebhook', summary: 'Delete a webhook subscription' })
  @ApiNoContentResponse()
  @ApiProblems(400, 404)
  remove(@Param('id', ParseUUIDPipe) id: string): Promise<void> {
    return this.webhooks.deleteWebhook(id);
  }
}
