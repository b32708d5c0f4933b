import { BullModule, InjectQueue } from '@nestjs/bullmq';
import { Controller, Get, Injectable, Module } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { AppConfig } from '../../../../libs/common/src/config';
import { ALL_QUEUES, QueueName } from '../../../../libs/common/src/queues';
import { ApiAuth } from '../common/api-problems';
import { REDIS } from './redis.module';

export class QueueCountsDto {
  @ApiProperty({ enum: ALL_QUEUES }) name!: string;
  @ApiProperty() waiting!: number;
  @ApiProperty() active!: number;
  @ApiProperty() delayed!: number;
  @ApiProperty() completed!: number;
  @ApiProperty() failed!: number;
  @ApiProperty() paused!: number;
}

@Injectable()
export class QueuesService {
  private readonly queues: Queue[];
  constructor(
    @InjectQueue(QueueName.Telemetry) telemetry: Queue,
    @InjectQueue(QueueName.Analysis) analysis: Queue,
    @InjectQueue(QueueName.Allocation) allocation: Queue,
    @InjectQueue(QueueName.Updates) updates: Queue,
  ) {
    this.queues = [telemetry, analysis, allocation, updates];
  }

  async counts(): Promise<QueueCountsDto[]> {
    return Promise.all(
      this.queues.map(async (q) => {
        const c = await q.getJobCounts('waiting', 'active', 'delayed', 'completed', 'failed', 'paused');
        return { name: q.name, waiting: c.waiting ?? 0, active: c.active ?? 0, delayed: c.delayed ?? 0, completed: c.completed ?? 0, failed: c.failed ?? 0, paused: c.paused ?? 0 };
      }),
    );
  }
}

@ApiTags('queues')
@ApiAuth()
@Controller('v1/queues')
export class QueuesController {
  constructor(private readonly queues: QueuesService) {}

  @Get()
  @ApiOperation({ operationId: 'listQueues', summary: 'Job counts of the telemetry, analysis, allocation and updates queues' })
  @ApiOkResponse({ type: [QueueCountsDto] })
  list(): Promise<QueueCountsDto[]> {
    return this.queues.counts();
  }
}

const queueDefaults = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 500 },
  removeOnComplete: { count: 1000, age: 3600 },
  removeOnFail: { count: 5000, age: 86_400 },
};

/** BullMQ on the shared connection and key prefix; every queue of the management API declared here. */
@Module({
  imports: [
    BullModule.forRootAsync({
      inject: [AppConfig, REDIS],
      useFactory: (cfg: AppConfig, redis: Redis) => ({ connection: redis, prefix: cfg.REDIS_PREFIX, defaultJobOptions: queueDefaults }),
    }),
    BullModule.registerQueue(...ALL_QUEUES.map((name) => ({ name }))),
  ],
  controllers: [QueuesController],
  providers: [QueuesService],
  exports: [BullModule, QueuesService],
})
export class QueuesModule {}
