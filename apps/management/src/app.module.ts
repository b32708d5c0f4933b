import { DynamicModule, Global, Module, RequestMethod } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { LoggerModule } from 'nestjs-pino';
import { AppConfig } from '../../../libs/common/src/config';
import { loggerParams } from '../../../libs/common/src/logger';
import { AgentsModule } from './agents/agents.module';
import { AllocationModule } from './allocation/allocation.module';
import { AnalyserModule } from './analyser/analyser.module';
import { AuditModule } from './audit/audit.module';
import { AuthModule } from './auth/auth.module';
import { dataSourceOptions } from './data-source';
import { EventsModule } from './events/events.module';
import { HealthModule } from './health/health.module';
import { InventoryModule } from './inventory/inventory.module';
import { PoliciesModule } from './policies/policies.module';
import { QueuesModule } from './queues/queues.module';
import { RedisModule } from './queues/redis.module';
import { TelemetryModule } from './telemetry/telemetry.module';
import { REPORTS_ROUTE } from './telemetry/report-body';
import { ChangeBusModule } from './common/change-bus';
import { GracefulShutdownModule } from './common/graceful-shutdown';
import { InstanceMetricsModule, isInstanceWorker } from './common/cluster-metrics';
import { UpdatesModule } from './updates/updates.module';

@Global()
@Module({})
class ConfigHolderModule {
  static forRoot(config: AppConfig): DynamicModule {
    return { module: ConfigHolderModule, providers: [{ provide: AppConfig, useValue: config }], exports: [AppConfig] };
  }
}

/** The management API. The config is validated before the module is built (see loadConfig). */
@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigHolderModule.forRoot(config),
        // Report posts log themselves (report-body.ts): pino-http's request logger per report cost ~50 µs of CPU.
        LoggerModule.forRoot(loggerParams(config.LOG_LEVEL, config.LOG_FORMAT, 'management', [{ method: RequestMethod.POST, path: REPORTS_ROUTE }])),
        TypeOrmModule.forRoot({ ...dataSourceOptions(config.DATABASE_URL), migrationsRun: config.MIGRATIONS_RUN === 'true' }),
        RedisModule,
        ChangeBusModule,
        GracefulShutdownModule,
        QueuesModule,
        AuditModule,
        AuthModule,
        InventoryModule,
        AgentsModule,
        HealthModule,
        TelemetryModule,
        UpdatesModule,
        EventsModule,
        PoliciesModule,
        AnalyserModule,
        AllocationModule,
        // A worker of a multi-process instance answers GET /metrics for every worker (through the primary).
        ...(isInstanceWorker(config) ? [InstanceMetricsModule] : []),
      ],
    };
  }
}
