import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, LessThan, Repository } from 'typeorm';
import type { CallContext } from '../auth/principal';
import { AuditEntry } from './audit-entry.entity';

@Injectable()
export class AuditService {
  constructor(@InjectRepository(AuditEntry) private readonly entries: Repository<AuditEntry>) {}

  /** Writes one audit row inside the caller's transaction, so the change and its record commit together. */
  async record(m: EntityManager, ctx: CallContext, action: string, targetType: string, targetId: string | null, before: unknown, after: unknown): Promise<void> {
    const repo = m.getRepository(AuditEntry);
    const entry = repo.create({ actor: ctx.actor, action, targetType, targetId, requestId: ctx.requestId });
    entry.before = (before ?? null) as Record<string, unknown> | null;
    entry.after = (after ?? null) as Record<string, unknown> | null;
    await repo.save(entry, { reload: false });
  }

  list(filter: { targetId?: string; before?: string; limit: number }): Promise<AuditEntry[]> {
    const where: Record<string, unknown> = {};
    if (filter.targetId) where.targetId = filter.targetId;
    if (filter.before) where.id = LessThan(filter.before);
    return this.entries.find({ where, order: { id: 'DESC' }, take: filter.limit });
  }
}
