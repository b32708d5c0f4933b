import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { UnrecoverableError } from 'bullmq';
import { createHmac, randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { NotFoundError } from '../../../../libs/common/src/problem';
import { CreatedWebhookDto, CreateWebhookDto, UpdateWebhookDto, WebhookDto } from './events.dto';
import { HeadroomEvent, WebhookSubscription } from './event.entity';
import { toView } from './events.service';

const DELIVERY_TIMEOUT_MS = 5000;

/** The signature header value for a body sent at `timestamp` (unix seconds). */
export function signWebhook(secret: string, timestamp: number, body: string): string {
  return 'sha256=' + createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
}

/** Webhook subscriptions and their deliveries. */
@Injectable()
export class WebhooksService {
  private readonly logger = new Logger(WebhooksService.name);

  constructor(@InjectDataSource() private readonly db: DataSource) {}

  private get repo() {
    return this.db.getRepository(WebhookSubscription);
  }

  async createWebhook(dto: CreateWebhookDto): Promise<CreatedWebhookDto> {
    const secret = dto.secret ?? randomBytes(32).toString('base64url');
    const saved = await this.repo.save(this.repo.create({ url: dto.url, types: dto.types ?? [], serviceId: dto.serviceId ?? null, secret, enabled: true }));
    return { ...WebhookDto.from(saved), secret };
  }

  async listWebhooks(): Promise<WebhookDto[]> {
    return (await this.repo.find({ order: { createdAt: 'ASC' } })).map(WebhookDto.from);
  }

  async getWebhook(id: string): Promise<WebhookSubscription> {
    const w = await this.repo.findOne({ where: { id } });
    if (!w) throw new NotFoundError('Webhook', id);
    return w;
  }

  async updateWebhook(id: string, dto: UpdateWebhookDto): Promise<WebhookDto> {
    const w = await this.getWebhook(id);
    if (dto.url !== undefined) w.url = dto.url;
    if (dto.types !== undefined) w.types = [...dto.types];
    if (dto.enabled !== undefined) w.enabled = dto.enabled;
    return WebhookDto.from(await this.repo.save(w));
  }

  async deleteWebhook(id: string): Promise<void> {
    const res = await this.repo.delete({ id });
    if (!res.affected) throw new NotFoundError('Webhook', id);
  }

  /** One delivery attempt; throws on anything but a 2xx so BullMQ retries with backoff. */
  async deliver(subscriptionId: string, eventId: string, attempt: number): Promise<number> {
    const sub = await this.repo.findOne({ where: { id: subscriptionId } });
    if (!sub || !sub.enabled) return 0;
    const event = await this.db.getRepository(HeadroomEvent).findOne({ where: { id: eventId } });
    if (!event) throw new UnrecoverableError(`event ${eventId} no longer exists`);
    const body = JSON.stringify(toView(event));
    const ts = Math.floor(Date.now() / 1000);
    let status = 0;
    let error: string | null = null;
    try {
      const res = await fetch(sub.url, {
        method: 'POST',
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
        headers: {
          'Content-Type': 'application/json', 'User-Agent': 'headroom-webhooks/1', 'X-Headroom-Event': event.type, 'X-Headroom-Delivery': `${sub.id}-${event.id}`,
          'X-Headroom-Attempt': String(attempt), 'X-Headroom-Timestamp': String(ts), 'X-Headroom-Signature': signWebhook(sub.secret, ts, body),
        },
      });
      status = res.status;
      await res.body?.cancel();
      if (status < 200 || status >= 300) error = `HTTP ${status}`;
    } catch (err) {
      error = (err as Error).message.slice(0, 300);
    }
    await this.repo.update({ id: sub.id }, { lastDeliveryAt: new Date(), lastStatus: status || null, lastError: error });
    if (error) {
      this.logger.warn({ subscriptionId, eventId, attempt, error }, 'webhook delivery failed');
      throw new Error(`webhook delivery failed: ${error}`);
    }
    return status;
  }
}
