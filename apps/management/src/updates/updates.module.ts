import { Module } from '@nestjs/common';
import { InventoryModule } from '../inventory/inventory.module';
import { QueuesModule } from '../queues/queues.module';
import { UpdatesController } from './updates.controller';
import { UpdatesProcessor } from './updates.processor';
import { UpdatesService } from './updates.service';
import { BackendObservations } from './backend-observations';
import { ReportObservations } from './report-observations';
import { RevisionNotifier } from './revision-notifier';

@Module({
  imports: [InventoryModule, QueuesModule],
  controllers: [UpdatesController],
  providers: [UpdatesService, UpdatesProcessor, RevisionNotifier, { provide: BackendObservations, useClass: ReportObservations }],
  exports: [UpdatesService],
})
export class UpdatesModule {}
