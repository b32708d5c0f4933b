import { InjectQueue, OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger, OnApplicationBootstrap } from '@nestjs/common';
import { Job, Queue, UnrecoverableError } from 'bullmq';
import { JobName, QueueName } from '../../../../libs/common/src/queues';
import { UpdatesService } from './updates.service';

/** Thin adapter from the updates queue to UpdatesService. */
@Processor(QueueName.Updates, { concurrency: 4 })
export class UpdatesProcessor extends WorkerHost implements OnApplicationBootstrap {
  private readonly logger = new Logger(UpdatesProcessor.name);

  constructor(
    private readonly updates: UpdatesService,
    @InjectQueue(QueueName.Updates) private readonly queue: Queue,
  ) {
    super();
  }

  async onApplicationBootstrap(): Promise<void> {
    // The reconciler: rebuilds from PostgreSQL every 10 s, so a change whose job was lost
    // (Redis restarted empty, a crash between commit and enqueue) still reaches the agents.
    await this.queue.upsertJobScheduler('reconcile-revisions', { every: 10_000 }, { name: JobName.BuildRevisions, data: {}, opts: { removeOnComplete: true, removeOnFail: 100 } });
  }

  async process(job: Job<{ updateId?: string; round?: number }>): Promise<unknown> {
    switch (job.name) {
      case JobName.BuildRevisions: {
        const update = await this.updates.buildRevisions();
        return { updateId: update?.id ?? null };
      }
      case JobName.VerifyUpdate: {
        const updateId = job.data.updateId;
        if (!updateId) throw new UnrecoverableError('verify-update job without an updateId');
        const done = await this.updates.evaluateUpdate(updateId);
        // Re-check soon after a change, then less often: acks and reports also trigger a check.
        const round = job.data.round ?? 0;
        if (!done) await this.updates.scheduleVerify(updateId, Math.min(1000, 100 * 2 ** round), round + 1);
        return { done };
      }
      default:
        this.logger.warn({ name: job.name }, 'unknown job on the updates queue');
        return null;
    }
  }

  @OnWorkerEvent('failed')
  onFailed(job: Job | undefined, err: Error): void {
    this.logger.warn({ jobId: job?.id, name: job?.name, err: err.message }, 'updates job failed');
  }
}
