import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { PoolsController } from './pools.controller';
import { PoolsService } from './pools.service';
import { ServersController } from './servers.controller';
import { ServersService } from './servers.service';
import { ServicesController } from './services.controller';
import { ServicesService } from './services.service';

@Module({
  imports: [AuditModule],
  controllers: [ServersController, ServicesController, PoolsController],
  providers: [ServersService, ServicesService, PoolsService],
  exports: [ServersService, ServicesService, PoolsService],
})
export class InventoryModule {}
