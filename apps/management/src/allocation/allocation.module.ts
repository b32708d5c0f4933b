import { Module } from '@nestjs/common';
import { AnalyserModule } from '../analyser/analyser.module';
import { AuditModule } from '../audit/audit.module';
import { InventoryModule } from '../inventory/inventory.module';
import { QueuesModule } from '../queues/queues.module';
import { AllocationProcessor } from './allocation.processor';
import { AllocationService } from './allocation.service';
import { ClaimRepository } from './claim.repository';

/** Executes the analyser's decisions against the free pool. */
@Module({
  imports: [QueuesModule, InventoryModule, AnalyserModule, AuditModule],
  providers: [AllocationService, AllocationProcessor, ClaimRepository],
  exports: [AllocationService],
})
export class AllocationModule {}
