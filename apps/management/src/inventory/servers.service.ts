import { Injectable, Optional } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { ConflictError, NotFoundError } from '../../../../libs/common/src/problem';
import { AuditService } from '../audit/audit.service';
import { ChangeBus } from '../common/change-bus';
import type { CallContext } from '../auth/principal';
import { keysetPage } from '../common/cursor';
import { EventsService } from '../events/events.service';
import { CreateServerDto, ListServersQuery, ServerDto, ServerPageDto, UpdateServerDto } from './dto/server.dto';
import { canTransition } from './server-state';
import { Server, ServerState } from './server.entity';

export class IllegalTransitionError extends ConflictError {
  constructor(server: Server, to: ServerState) {
    super('illegal-transition', 'Illegal state transition', `server ${server.name} cannot go from ${server.state} to ${to}`, { serverId: server.id, from: server.state, to });
  }
}

/** Snapshot of the audited fields of a server. */
export function serverSnapshot(s: Server): Record<string, unknown> {
  const { id, name, host, port, protocol, weight, labels, zone, maxConnections, state, serviceId } = s;
  return { id, name, host, port, protocol, weight, labels, zone, maxConnections, state, serviceId };
}

@Injectable()
export class ServersService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly audit: AuditService,
    private readonly bus: ChangeBus,
    @Optional() private readonly events?: EventsService,
  ) {}

  async registerServer(dto: CreateServerDto, ctx: CallContext): Promise<Server> {
    return this.db.transaction(async (m) => {
      const repo = m.getRepository(Server);
      const taken = await repo.createQueryBuilder('s').where('s.name = :name', { name: dto.name }).andWhere(`s.state <> 'retired'`).getExists();
      if (taken) throw new ConflictError('name-taken', 'Name taken', `a server named ${dto.name} already exists`, { field: 'name' });
      const server = repo.create({
        name: dto.name, host: dto.host, port: dto.port, protocol: dto.protocol ?? 'http', weight: dto.weight ?? 1,
        labels: { ...(dto.labels ?? {}) }, zone: dto.zone ?? null, maxConnections: dto.maxConnections ?? null, state: 'free', serviceId: null,
      });
      const saved = await repo.save(server);
      await this.audit.record(m, ctx, 'server.register', 'server', saved.id, null, serverSnapshot(saved));
      return saved;
    });
  }

  async listServers(q: ListServersQuery): Promise<ServerPageDto> {
    const limit = q.limit ?? 50;
    const qb = this.db.getRepository(Server).createQueryBuilder('s');
    if (q.state) qb.andWhere('s.state = :state', { state: q.state });
    else qb.andWhere(`s.state <> 'retired'`);
    if (q.service === 'none') qb.andWhere('s.serviceId IS NULL');
    else if (q.service) qb.andWhere('s.serviceId = :service', { service: q.service });
    if (q.selector) {
      const labels = Object.fromEntries(q.selector.split(',').map((pair) => pair.split('=') as [string, string]));
      qb.andWhere('s.labels @> :labels::jsonb', { labels: JSON.stringify(labels) });
    }
    const { rows, nextCursor } = await keysetPage(qb, 'registeredAt', q.cursor, limit);
    return { items: rows.map(ServerDto.from), nextCursor };
  }

  async getServer(id: string, m: EntityManager = this.db.manager): Promise<Server> {
    const s = await m.getRepository(Server).findOne({ where: { id } });
    if (!s) throw new NotFoundError('Server', id);
    return s;
  }

  async updateServer(id: string, dto: UpdateServerDto, ctx: CallContext): Promise<Server> {
    const saved = await this.db.transaction(async (m) => {
      const s = await this.lockServer(m, id);
      if (s.state === 'retired') throw new ConflictError('retired', 'Server retired', `server ${s.name} is retired and cannot change`);
      const before = serverSnapshot(s);
      if (dto.name !== undefined && dto.name !== s.name) {
        const taken = await m.getRepository(Server).createQueryBuilder('x').where('x.name = :n', { n: dto.name }).andWhere(`x.state <> 'retired'`).getExists();
        if (taken) throw new ConflictError('name-taken', 'Name taken', `a server named ${dto.name} already exists`, { field: 'name' });
        s.name = dto.name;
      }
      // Explicit field mapping: the body never reaches `save` as is.
      if (dto.host !== undefined) s.host = dto.host;
      if (dto.port !== undefined) s.port = dto.port;
      if (dto.protocol !== undefined) s.protocol = dto.protocol;
      if (dto.weight !== undefined) s.weight = dto.weight;
      if (dto.labels !== undefined) s.labels = { ...dto.labels };
      if (dto.zone !== undefined) s.zone = dto.zone;
      if (dto.maxConnections !== undefined) s.maxConnections = dto.maxConnections;
      const saved = await m.getRepository(Server).save(s);
      await this.audit.record(m, ctx, 'server.update', 'server', id, before, serverSnapshot(saved));
      return saved;
    });
    if (saved.serviceId) await this.bus.emit({ reason: 'server changed', serverIds: [id], serviceIds: [saved.serviceId] });
    return saved;
  }

  /** Moves one server to a new state, or throws 409 naming both states. */
  async transitionServer(id: string, to: ServerState, reason: string | null, ctx: CallContext): Promise<Server> {
    let serviceId: string | null = null;
    const saved = await this.db.transaction(async (m) => {
      const s = await this.lockServer(m, id);
      serviceId = s.serviceId;
      return this.applyTransition(m, s, to, reason, ctx);
    });
    if (serviceId) await this.bus.emit({ reason: `server ${to}`, serverIds: [id], serviceIds: [serviceId] });
    return saved;
  }

  async retireServer(id: string, ctx: CallContext): Promise<Server> {
    return this.transitionServer(id, 'retired', 'retired by operator', ctx);
  }

  async lockServer(m: EntityManager, id: string): Promise<Server> {
    const s = await m.getRepository(Server).findOne({ where: { id }, lock: { mode: 'pessimistic_write' } });
    if (!s) throw new NotFoundError('Server', id);
    return s;
  }

  /** Applies a checked transition to a locked server inside the caller's transaction. */
  async applyTransition(m: EntityManager, s: Server, to: ServerState, reason: string | null, ctx: CallContext, serviceId?: string | null): Promise<Server> {
    if (!canTransition(s.state, to)) throw new IllegalTransitionError(s, to);
    const before = serverSnapshot(s);
    s.state = to;
    s.stateReason = reason;
    s.stateChangedAt = new Date();
    if (serviceId !== undefined) s.serviceId = serviceId;
    // A free, quarantined or retired server belongs to no service's pool.
    if (to === 'free' || to === 'retired' || to === 'quarantined') s.serviceId = null;
    if (to !== 'draining') s.drainDeadline = null;
    const saved = await m.getRepository(Server).save(s);
    await this.audit.record(m, ctx, `server.${to}`, 'server', s.id, before, serverSnapshot(saved));
    // Every allocation, de-allocation, drain and quarantine reaches the event stream with the change.
    const svcId = (before.serviceId as string | null) ?? saved.serviceId;
    await this.events?.record(`server.${to}`, { serverId: s.id, name: s.name, host: s.host, port: s.port, zone: s.zone, from: before.state, to, serviceId: svcId, reason, actor: ctx.actor }, svcId, m);
    return saved;
  }
}
