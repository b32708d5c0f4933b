import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Job, UnrecoverableError } from 'bullmq';
import { JobName, QueueName } from '../../../../libs/common/src/queues';
import { AllocationService } from './allocation.service';

/** The allocation queue: executes one decision per job (job id `decision-<id>`). */
@Processor(QueueName.Allocation, { concurrency: 4 })
export class AllocationProcessor extends WorkerHost {
  constructor(private readonly allocation: AllocationService) {
    super();
  }

  async process(job: Job<{ decisionId?: string; requestId?: string | null }>): Promise<unknown> {
    switch (job.name) {
      case JobName.ExecuteDecision: {
        if (typeof job.data.decisionId !== 'string') throw new UnrecoverableError('execute-decision needs a decisionId');
        const d = await this.allocation.executeDecision(job.data.decisionId, job.data.requestId ?? null);
        return { status: d?.status ?? 'already executed', serverIds: d?.serverIds ?? [] };
      }
      default:
        throw new UnrecoverableError(`unknown job ${job.name} on the allocation queue`);
    }
  }
}
