import { InjectQueue, Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger, OnApplicationBootstrap } from '@nestjs/common';
import { Job, Queue, UnrecoverableError } from 'bullmq';
import { AppConfig } from '../../../../libs/common/src/config';
import { JobName, QueueName } from '../../../../libs/common/src/queues';
import { AnalyserService } from './analyser.service';

const SCHEDULER_ID = 'analyse-all';
const PRUNE_EVERY = 600;

/**
 * The analysis queue: `analyse-service` jobs from telemetry (one per touched service per
 * window) and the scheduler's `analyse-all` tick, which also re-queues lost decisions.
 */
@Processor(QueueName.Analysis, { concurrency: 4 })
export class AnalyserProcessor extends WorkerHost implements OnApplicationBootstrap {
  private readonly logger = new Logger(AnalyserProcessor.name);
  private ticks = 0;

  constructor(
    private readonly analyser: AnalyserService,
    private readonly config: AppConfig,
    @InjectQueue(QueueName.Analysis) private readonly queue: Queue,
  ) {
    super();
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.config.ANALYSIS_INTERVAL_MS > 0) {
      await this.queue.upsertJobScheduler(SCHEDULER_ID, { every: this.config.ANALYSIS_INTERVAL_MS }, { name: JobName.AnalyseAll, data: {}, opts: { attempts: 1, removeOnComplete: true, removeOnFail: 50 } });
    } else {
      await this.queue.removeJobScheduler(SCHEDULER_ID);
    }
  }

  async process(job: Job<{ serviceId?: string; requestId?: string | null }>): Promise<unknown> {
    switch (job.name) {
      case JobName.AnalyseService: {
        if (typeof job.data.serviceId !== 'string') throw new UnrecoverableError('analyse-service needs a serviceId');
        const decisions = await this.analyser.analyseService(job.data.serviceId, job.data.requestId ?? null);
        return { decisions: decisions.map((d) => ({ decisionId: d.id, pool: d.pool, action: d.action })) };
      }
      case JobName.AnalyseAll: {
        if (++this.ticks % PRUNE_EVERY === 0) await this.analyser.pruneDecisions().catch((err) => this.logger.warn({ err }, 'pruning decisions failed'));
        return { evaluated: await this.analyser.analyseAll() };
      }
      default:
        throw new UnrecoverableError(`unknown job ${job.name} on the analysis queue`);
    }
  }
}
