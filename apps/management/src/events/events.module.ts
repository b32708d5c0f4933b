import { Global, Module } from '@nestjs/common';
import { QueuesModule } from '../queues/queues.module';
import { EventsController, WebhooksController } from './events.controller';
import { EventsService } from './events.service';
import { WebhooksProcessor } from './webhooks.processor';
import { WebhooksService } from './webhooks.service';

/** The event log, its SSE stream and webhook deliveries; global so any module can record events. */
@Global()
@Module({
  imports: [QueuesModule],
  controllers: [EventsController, WebhooksController],
  providers: [EventsService, WebhooksService, WebhooksProcessor],
  exports: [EventsService],
})
export class EventsModule {}
