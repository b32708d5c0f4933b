import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { UpdatesModule } from '../updates/updates.module';
import { AgentsController } from './agents.controller';
import { AgentsService } from './agents.service';

@Module({
  imports: [AuditModule, UpdatesModule],
  controllers: [AgentsController],
  providers: [AgentsService],
  exports: [AgentsService],
})
export class AgentsModule {}
