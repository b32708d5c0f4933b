import { Module } from '@nestjs/common';
import { InventoryModule } from '../inventory/inventory.module';
import { QueuesModule } from '../queues/queues.module';
import { CapabilitiesController, DecisionsController } from './analyser.controller';
import { AnalyserProcessor } from './analyser.processor';
import { AnalyserRepository } from './analyser.repository';
import { AnalyserService } from './analyser.service';

/** Policies evaluated into decisions with evidence; capabilities learned from telemetry. */
@Module({
  imports: [QueuesModule, InventoryModule],
  controllers: [DecisionsController, CapabilitiesController],
  providers: [AnalyserService, AnalyserRepository, AnalyserProcessor],
  exports: [AnalyserService, AnalyserRepository],
})
export class AnalyserModule {}
