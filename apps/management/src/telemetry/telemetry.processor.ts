import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Job, UnrecoverableError } from 'bullmq';
import { JobName, QueueName } from '../../../../libs/common/src/queues';
import { TelemetryService } from './telemetry.service';

/** The telemetry queue's processor: the scheduled retention sweep and roll-up job. */
@Processor(QueueName.Telemetry)
export class TelemetryProcessor extends WorkerHost {
  constructor(private readonly telemetry: TelemetryService) {
    super();
  }

  async process(job: Job): Promise<unknown> {
    switch (job.name) {
      case JobName.ApplyTelemetryRetention:
        return this.telemetry.applyRetention();
      case JobName.RollUpTelemetry:
        return this.telemetry.rollUp();
      default:
        throw new UnrecoverableError(`unknown job ${job.name} on the telemetry queue`);
    }
  }
}
