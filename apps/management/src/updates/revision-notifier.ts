import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { AppConfig } from '../../../../libs/common/src/config';
import { REDIS } from '../queues/redis.module';

/**
 * Wakes long polls when new revisions exist. Publishes on Redis and listens with its own
 * subscriber connection, so a poll held by any replica is woken by a change made on any other.
 */
@Injectable()
export class RevisionNotifier implements OnModuleInit, BeforeApplicationShutdown, OnApplicationShutdown {
  private closing = false;
  private readonly logger = new Logger(RevisionNotifier.name);
  private readonly waiters = new Map<string, Set<() => void>>();
  private sub?: Redis;
  private readonly channel: string;

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    config: AppConfig,
  ) {
    this.channel = `${config.REDIS_PREFIX}:config-revisions`;
  }

  async onModuleInit(): Promise<void> {
    this.sub = this.redis.duplicate({ connectionName: 'headroom-revision-subscriber' });
    this.sub.on('message', (_channel: string, message: string) => this.deliver(message));
    this.sub.on('error', (err) => this.logger.warn({ err: err.message }, 'revision subscriber error'));
    await this.sub.subscribe(this.channel);
  }

  /** Answers every held long poll now, and every later one at once, so shutdown is not held up. */
  beforeApplicationShutdown(): void {
    this.closing = true;
    for (const set of [...this.waiters.values()]) for (const wake of [...set]) wake();
  }

  async onApplicationShutdown(): Promise<void> {
    this.beforeApplicationShutdown();
    await this.sub?.quit().catch(() => this.sub?.disconnect());
  }

  /** Tells every replica that these agents have new revisions. */
  async publish(agentIds: string[]): Promise<void> {
    if (agentIds.length) await this.redis.publish(this.channel, JSON.stringify(agentIds));
  }

  /**
   * Registers interest before the caller re-checks the database, so a revision committed
   * between the check and the wait still wakes it. Returns the wait and a cancel function.
   */
  watch(agentId: string, timeoutMs: number): { woken: Promise<boolean>; cancel: () => void } {
    if (this.closing) return { woken: Promise.resolve(false), cancel: () => undefined };
    let wake!: () => void;
    let timer: NodeJS.Timeout | undefined;
    const set = this.waiters.get(agentId) ?? new Set<() => void>();
    this.waiters.set(agentId, set);
    const woken = new Promise<boolean>((resolve) => {
      wake = () => {
        cleanup();
        resolve(true);
      };
      timer = setTimeout(() => {
        cleanup();
        resolve(false);
      }, timeoutMs);
    });
    const cleanup = () => {
      if (timer) clearTimeout(timer);
      set.delete(wake);
      if (!set.size) this.waiters.delete(agentId);
    };
    set.add(wake);
    return { woken, cancel: cleanup };
  }

  private deliver(message: string): void {
    let ids: unknown;
    try {
      ids = JSON.parse(message);
    } catch {
      return;
    }
    if (!Array.isArray(ids)) return;
    for (const id of ids) {
      const set = this.waiters.get(String(id));
      if (set) for (const wake of [...set]) wake();
    }
  }
}
