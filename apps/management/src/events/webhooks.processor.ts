import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Job, UnrecoverableError } from 'bullmq';
import { JobName, QueueName } from '../../../../libs/common/src/queues';
import { WebhooksService } from './webhooks.service';

/** Thin adapter from the webhooks queue to WebhooksService. */
@Processor(QueueName.Webhooks, { concurrency: 8 })
export class WebhooksProcessor extends WorkerHost {
  constructor(private readonly webhooks: WebhooksService) {
    super();
  }

  async process(job: Job<{ subscriptionId: string; eventId: string }>): Promise<unknown> {
    switch (job.name) {
      case JobName.DeliverWebhook:
        return { status: await this.webhooks.deliver(job.data.subscriptionId, job.data.eventId, job.attemptsMade + 1) };
      default:
        throw new UnrecoverableError(`unknown job ${job.name} on the webhooks queue`);
    }
  }
}
