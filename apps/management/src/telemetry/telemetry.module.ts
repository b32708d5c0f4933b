import { Module } from '@nestjs/common';
import { QueuesModule } from '../queues/queues.module';
import { PrometheusController, PrometheusMetrics } from './prometheus';
import { TelemetryController } from './telemetry.controller';
import { TelemetryProcessor } from './telemetry.processor';
import { TelemetryRepository } from './telemetry.repository';
import { TelemetryService } from './telemetry.service';

/** Agent reports in, samples and roll-ups in Postgres, series and Prometheus metrics out. */
@Module({
  imports: [QueuesModule],
  controllers: [TelemetryController, PrometheusController],
  providers: [TelemetryService, TelemetryRepository, TelemetryProcessor, PrometheusMetrics],
  exports: [TelemetryService, PrometheusMetrics],
})
export class TelemetryModule {}
