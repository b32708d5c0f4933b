import { InjectQueue } from '@nestjs/bullmq';
import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { DataSource, EntityManager } from 'typeorm';
import { AppConfig } from '../../../../libs/common/src/config';
import { JobName, QueueName } from '../../../../libs/common/src/queues';
import { REDIS } from '../queues/redis.module';
import { HeadroomEvent, WebhookSubscription } from './event.entity';

/** What the stream and the webhooks carry. */
export interface EventView {
  id: string;
  at: string;
  type: string;
  serviceId: string | null;
  data: Record<string, unknown>;
}

type Listener = (events: EventView[]) => void;

/** How long a hole in the id sequence may stay open before the feed moves past it (a rolled-back insert never fills it). */
const GAP_WAIT_MS = 2000;
const POLL_MS = 1000;
const BATCH = 500;

export function toView(e: HeadroomEvent): EventView {
  return { id: String(e.id), at: e.at.toISOString(), type: e.type, serviceId: e.serviceId, data: e.data };
}

/** Does a subscription's type filter (exact names or `prefix.*`) match an event type? */
export function typeMatches(filters: string[], type: string): boolean {
  if (!filters.length) return true;
  return filters.some((f) => (f.endsWith('.*') ? type.startsWith(f.slice(0, -1)) : f === type));
}

/**
 * The event log. Events are rows with a bigserial id, written in the caller's transaction when
 * there is one (so an event exists exactly when its change committed). Each replica runs one
 * feed: woken by Redis pub/sub (or every second), it reads new rows in id order, waiting briefly
 * at a hole in the sequence (a concurrent transaction that has not committed yet), then hands
 * them to its SSE streams and enqueues webhook deliveries (deterministic job ids, so every
 * replica enqueueing the same delivery is harmless).
 */
@Injectable()
export class EventsService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(EventsService.name);
  private readonly channel: string;
  private sub?: Redis;
  private cursor = 0n;
  private gapSince: number | null = null;
  private readonly listeners = new Set<Listener>();
  private timer?: NodeJS.Timeout;
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = false;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(REDIS) private readonly redis: Redis,
    @InjectQueue(QueueName.Webhooks) private readonly webhooks: Queue,
    config: AppConfig,
  ) {
    this.channel = `${config.REDIS_PREFIX}:events`;
  }

  async onApplicationBootstrap(): Promise<void> {
    const [row] = await this.db.query(`SELECT coalesce(max(id), 0)::text AS max FROM event`);
    this.cursor = BigInt(row.max);
    this.sub = this.redis.duplicate({ connectionName: 'headroom-events-subscriber' });
    this.sub.on('error', (err) => this.logger.warn({ err: err.message }, 'events subscriber error'));
    this.sub.on('message', () => this.wake());
    await this.sub.subscribe(this.channel);
    this.timer = setInterval(() => this.wake(), POLL_MS);
    this.timer.unref();
  }

  /**
   * Stops the feed, then runs it once more, while the database is still open: TypeORM closes its
   * pool in onApplicationShutdown, which cut a run in flight ("Connection terminated"). The last
   * run comes after every module's onModuleDestroy, so it also carries what those wrote (a final
   * drain sweep); a restarted replica's feed begins at the newest id, so an event not handed to
   * the webhooks here would otherwise be left to the other replicas, if any.
   */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
    await this.pump().catch((err) => this.logger.warn({ err }, 'final event feed run failed'));
    await this.sub?.quit().catch(() => this.sub?.disconnect());
  }

  /**
   * Records an event. With `m`, inside the caller's transaction: the other replicas learn of it
   * from the notification sent shortly after (or their one-second poll).
   */
  async record(type: string, data: Record<string, unknown>, serviceId: string | null = null, m?: EntityManager): Promise<void> {
    await (m ?? this.db.manager).query(`INSERT INTO event (type, service_id, data) VALUES ($1, $2, $3)`, [type, serviceId, JSON.stringify(data)]);
    if (m) {
      setTimeout(() => void this.notify(), 30).unref();
    } else {
      await this.notify();
    }
  }

  private async notify(): Promise<void> {
    try {
      await this.redis.publish(this.channel, '1');
    } catch (err) {
      this.logger.debug({ err }, 'events notify failed; the poll catches up');
    }
    this.wake();
  }

  /** Receives every event this replica's feed delivers, in id order. */
  subscribe(l: Listener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  /** The id up to which this replica's feed has delivered. */
  get delivered(): string {
    return this.cursor.toString();
  }

  /** Stored events after `after` up to `upTo` (inclusive), oldest first; optionally only the newest `tail`. */
  async history(after: string | null, upTo: string, tail?: number): Promise<EventView[]> {
    const qb = this.db.getRepository(HeadroomEvent).createQueryBuilder('e').where('e.id <= :upTo', { upTo });
    if (after !== null) qb.andWhere('e.id > :after', { after });
    if (tail !== undefined) {
      const rows = await qb.orderBy('e.id', 'DESC').limit(tail).getMany();
      return rows.reverse().map(toView);
    }
    return (await qb.orderBy('e.id', 'ASC').limit(10_000).getMany()).map(toView);
  }

  private wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.pump()
      .catch((err) => this.logger.warn({ err }, 'event feed failed'))
      .finally(() => {
        this.running = null;
        if (this.again) {
          this.again = false;
          this.wake();
        }
      });
  }

  private async pump(): Promise<void> {
    for (;;) {
      const rows = await this.db.getRepository(HeadroomEvent).createQueryBuilder('e').where('e.id > :c', { c: this.cursor.toString() }).orderBy('e.id', 'ASC').limit(BATCH).getMany();
      if (!rows.length) return;
      const ready: HeadroomEvent[] = [];
      let expect = this.cursor + 1n;
      for (const r of rows) {
        const id = BigInt(r.id);
        if (id !== expect) {
          this.gapSince ??= Date.now();
          if (Date.now() - this.gapSince < GAP_WAIT_MS) break;
        }
        this.gapSince = null;
        ready.push(r);
        expect = id + 1n;
      }
      if (!ready.length) {
        // Look again once the hole has had its time to fill.
        setTimeout(() => this.wake(), 200).unref();
        return;
      }
      this.cursor = BigInt(ready[ready.length - 1].id);
      const views = ready.map(toView);
      for (const l of this.listeners) {
        try {
          l(views);
        } catch (err) {
          this.logger.warn({ err }, 'event listener failed');
        }
      }
      await this.enqueueWebhooks(views);
      if (ready.length < rows.length) {
        setTimeout(() => this.wake(), 200).unref();
        return;
      }
      if (rows.length < BATCH) return;
    }
  }

  private async enqueueWebhooks(events: EventView[]): Promise<void> {
    const subs = await this.db.getRepository(WebhookSubscription).find({ where: { enabled: true } });
    if (!subs.length) return;
    const jobs = events.flatMap((e) =>
      subs
        .filter((s) => typeMatches(s.types, e.type) && (!s.serviceId || s.serviceId === e.serviceId))
        .map((s) => ({
          name: JobName.DeliverWebhook,
          data: { subscriptionId: s.id, eventId: e.id },
          opts: { jobId: `webhook-${s.id}-${e.id}`, attempts: 8, backoff: { type: 'exponential', delay: 1000 }, removeOnComplete: { count: 5000, age: 86_400 }, removeOnFail: { count: 5000, age: 7 * 86_400 } },
        })),
    );
    if (!jobs.length) return;
    try {
      await this.webhooks.addBulk(jobs);
    } catch (err) {
      this.logger.warn({ err, jobs: jobs.length }, 'could not enqueue webhook deliveries');
    }
  }
}
