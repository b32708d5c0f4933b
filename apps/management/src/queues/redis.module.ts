import { Global, Inject, Injectable, Module, OnApplicationShutdown } from '@nestjs/common';
import IORedis, { Redis } from 'ioredis';
import { AppConfig } from '../../../../libs/common/src/config';

export const REDIS = Symbol('REDIS');

/** Closes the shared Redis connection on shutdown. */
@Injectable()
class RedisCloser implements OnApplicationShutdown {
  constructor(@Inject(REDIS) private readonly redis: Redis) {}
  async onApplicationShutdown(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}

/** One shared ioredis connection (BullMQ producers, health, pub/sub publishing). */
@Global()
@Module({
  providers: [
    {
      provide: REDIS,
      inject: [AppConfig],
      // maxRetriesPerRequest: null is what BullMQ requires of its connection.
      useFactory: (cfg: AppConfig) => new IORedis(cfg.REDIS_URL, { maxRetriesPerRequest: null, connectionName: 'headroom-management', lazyConnect: false }),
    },
    RedisCloser,
  ],
  exports: [REDIS],
})
export class RedisModule {}
