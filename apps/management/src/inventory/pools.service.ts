import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, In } from 'typeorm';
import { AppConfig } from '../../../../libs/common/src/config';
import { ConflictError, DomainError } from '../../../../libs/common/src/problem';
import { ChangeBus } from '../common/change-bus';
import type { CallContext } from '../auth/principal';
import { AllocateDto, DeallocateDto, PoolDto, PoolsDto } from './dto/pool.dto';
import { ServerDto } from './dto/server.dto';
import { ServersService } from './servers.service';
import { Server } from './server.entity';
import { Service } from './service.entity';
import { ServicesService } from './services.service';

export class FreePoolEmptyError extends ConflictError {
  constructor(requested: number, available: number) {
    super('free-pool-empty', 'Free pool empty', `requested ${requested} server(s), ${available} free`, { requested, available });
  }
}

/** Allocation and de-allocation take either a count or explicit server ids, never both. */
function requireCountOrIds(dto: { count?: number; serverIds?: string[] }): void {
  if ((dto.count !== undefined) === (dto.serverIds !== undefined)) {
    throw new DomainError(400, 'validation', 'Bad Request', 'give either count or serverIds', { errors: [{ field: 'count', messages: ['give either count or serverIds'] }] });
  }
}

const SYSTEM: CallContext = { actor: 'system:drain-sweeper', requestId: null };

/** Moves servers between the free pool and services' pools; the allocation module calls the same code. */
@Injectable()
export class PoolsService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(PoolsService.name);
  private sweeper?: NodeJS.Timeout;
  private sweeping?: Promise<void>;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly servers: ServersService,
    private readonly services: ServicesService,
    private readonly config: AppConfig,
    private readonly bus: ChangeBus,
  ) {}

  onModuleInit(): void {
    if (this.config.DRAIN_SWEEP_MS > 0) {
      this.sweeper = setInterval(() => {
        if (this.sweeping) return; // the last one is still running
        this.sweeping = this.sweepDrains()
          .catch((err) => this.logger.warn({ err }, 'drain sweep failed'))
          .then(() => {
            this.sweeping = undefined;
          });
      }, this.config.DRAIN_SWEEP_MS);
      this.sweeper.unref();
    }
  }

  /** Stops the sweeper and lets a sweep in flight finish before the database connection closes (onApplicationShutdown). */
  async onModuleDestroy(): Promise<void> {
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = undefined;
    await this.sweeping;
  }

  async listPools(): Promise<PoolsDto> {
    const [servers, services] = await Promise.all([
      this.db.getRepository(Server).createQueryBuilder('s').where(`s.state <> 'retired'`).orderBy('s.registeredAt').addOrderBy('s.id').getMany(),
      this.db.getRepository(Service).find({ order: { createdAt: 'ASC' } }),
    ]);
    const free = servers.filter((s) => s.serviceId === null && (s.state === 'free' || s.state === 'quarantined'));
    return {
      free: poolOf(null, null, free),
      services: services.map((svc) => poolOf(svc.id, svc.name, servers.filter((s) => s.serviceId === svc.id))),
    };
  }

  async getServicePool(serviceId: string): Promise<PoolDto> {
    const svc = await this.services.getService(serviceId);
    const servers = await this.db.getRepository(Server).find({ where: { serviceId }, order: { registeredAt: 'ASC', id: 'ASC' } });
    return poolOf(svc.id, svc.name, servers);
  }

  /**
   * Claims free servers for a service in one transaction: all or nothing. Free servers are
   * claimed with FOR UPDATE SKIP LOCKED so concurrent claims never wait on or take the same row,
   * and the conditional UPDATE re-checks that each row is still free.
   */
  async allocate(serviceId: string, dto: AllocateDto, ctx: CallContext, outer?: EntityManager): Promise<Server[]> {
    requireCountOrIds(dto);
    const run = async (m: EntityManager): Promise<Server[]> => {
      const svc = await m.getRepository(Service).findOne({ where: { id: serviceId }, lock: { mode: 'pessimistic_write' } });
      if (!svc) await this.services.getService(serviceId, m);
      const held = await m.getRepository(Server).countBy({ serviceId, state: In(['allocating', 'allocated']) });
      const wanted = dto.count ?? dto.serverIds!.length;
      if (held + wanted > svc!.scalingMax) {
        throw new ConflictError('scaling-bound', 'Scaling bound reached', `service ${svc!.name} holds ${held} server(s); ${wanted} more would exceed scaling.max ${svc!.scalingMax}`, { held, max: svc!.scalingMax });
      }
      let claimed: Server[];
      if (dto.count !== undefined) {
        claimed = await m.getRepository(Server).createQueryBuilder('s')
          .where(`s.state = 'free'`).andWhere('s.serviceId IS NULL')
          .orderBy('s.registeredAt', 'ASC').addOrderBy('s.id', 'ASC')
          .setLock('pessimistic_write').setOnLocked('skip_locked')
          .limit(dto.count).getMany();
        if (claimed.length < dto.count) throw new FreePoolEmptyError(dto.count, claimed.length);
      } else {
        claimed = await m.getRepository(Server).createQueryBuilder('s')
          .where('s.id IN (:...ids)', { ids: dto.serverIds }).orderBy('s.id').setLock('pessimistic_write').getMany();
        const found = new Set(claimed.map((s) => s.id));
        const missing = dto.serverIds!.filter((id) => !found.has(id));
        if (missing.length) throw new DomainError(404, 'not-found', 'Server not found', `no server with id ${missing.join(', ')}`, { ids: missing });
        const busy = claimed.find((s) => s.state !== 'free');
        if (busy) throw new ConflictError('server-not-free', 'Server not free', `server ${busy.name} is ${busy.state}, not free`, { serverId: busy.id, from: busy.state, to: 'allocating' });
      }
      const ids = claimed.map((s) => s.id);
      const res = await m.createQueryBuilder().update(Server).set({ serviceId }).where('id IN (:...ids)', { ids }).andWhere(`state = 'free'`).andWhere('service_id IS NULL').execute();
      if (res.affected !== ids.length) throw new FreePoolEmptyError(wanted, res.affected ?? 0);
      const out: Server[] = [];
      for (const s of claimed) {
        s.serviceId = null;
        // The updates module confirms the claim (allocating → allocated) once the agents serve it.
        out.push(await this.servers.applyTransition(m, s, 'allocating', `allocated to ${svc!.name}`, ctx, serviceId));
      }
      return out;
    };
    const out = outer ? await run(outer) : await this.db.transaction(run);
    if (!outer) await this.bus.emit({ reason: 'servers allocated', serviceIds: [serviceId], serverIds: out.map((s) => s.id) });
    this.logger.log({ serviceId, serverIds: out.map((s) => s.id) }, 'servers allocated');
    return out;
  }

  /**
   * Releases servers from a service: allocated ones start draining, unconfirmed claims go back
   * at once. A draining server returns to the free pool when no online agent routes to the
   * service, or when its drain deadline passes.
   */
  async deallocate(serviceId: string, dto: DeallocateDto, ctx: CallContext, outer?: EntityManager): Promise<Server[]> {
    requireCountOrIds(dto);
    const run = async (m: EntityManager): Promise<Server[]> => {
      const svc = await m.getRepository(Service).findOne({ where: { id: serviceId }, lock: { mode: 'pessimistic_write' } });
      if (!svc) await this.services.getService(serviceId, m);
      let chosen: Server[];
      if (dto.count !== undefined) {
        chosen = await m.getRepository(Server).createQueryBuilder('s')
          .where('s.serviceId = :serviceId', { serviceId }).andWhere(`s.state IN ('allocated', 'allocating')`)
          .orderBy('s.stateChangedAt', 'DESC').addOrderBy('s.id', 'DESC').setLock('pessimistic_write').limit(dto.count).getMany();
        if (chosen.length < dto.count) throw new ConflictError('pool-too-small', 'Not enough servers', `service ${svc!.name} holds ${chosen.length} releasable server(s), ${dto.count} requested`, { requested: dto.count, available: chosen.length });
      } else {
        chosen = await m.getRepository(Server).createQueryBuilder('s').where('s.id IN (:...ids)', { ids: dto.serverIds }).orderBy('s.id').setLock('pessimistic_write').getMany();
        const foreign = dto.serverIds!.find((id) => !chosen.some((s) => s.id === id && s.serviceId === serviceId));
        if (foreign) throw new ConflictError('not-in-pool', 'Server not in pool', `server ${foreign} is not in the pool of service ${svc!.name}`, { serverId: foreign });
      }
      const routed = await this.hasOnlineAgentFor(m, serviceId);
      const deadline = new Date(Date.now() + this.config.DRAIN_TIMEOUT_SECONDS * 1000);
      const out: Server[] = [];
      for (const s of chosen) {
        if (s.state === 'allocating') {
          out.push(await this.servers.applyTransition(m, s, 'free', `released from ${svc!.name}`, ctx));
          continue;
        }
        const draining = await this.servers.applyTransition(m, s, 'draining', `released from ${svc!.name}`, ctx);
        if (!routed) {
          out.push(await this.servers.applyTransition(m, draining, 'free', 'drained: no online agent routes to the service', ctx));
        } else {
          draining.drainDeadline = deadline;
          out.push(await m.getRepository(Server).save(draining));
        }
      }
      return out;
    };
    const out = outer ? await run(outer) : await this.db.transaction(run);
    if (!outer) await this.bus.emit({ reason: 'servers de-allocated', serviceIds: [serviceId], serverIds: out.map((s) => s.id) });
    this.logger.log({ serviceId, serverIds: out.map((s) => s.id) }, 'servers released');
    return out;
  }

  /** Returns draining servers whose deadline passed to the free pool. */
  async sweepDrains(): Promise<number> {
    const swept = await this.db.transaction(async (m) => {
      const due = await m.getRepository(Server).createQueryBuilder('s')
        .where(`s.state = 'draining'`).andWhere('s.drainDeadline <= now()')
        .setLock('pessimistic_write').setOnLocked('skip_locked').limit(100).getMany();
      for (const s of due) await this.servers.applyTransition(m, s, 'free', 'drained: drain timeout elapsed', SYSTEM);
      return due.length;
    });
    if (swept) await this.bus.emit({ reason: 'drain timeout elapsed' });
    return swept;
  }

  private async hasOnlineAgentFor(m: EntityManager, serviceId: string): Promise<boolean> {
    const rows: unknown[] = await m.query(
      `SELECT 1 FROM agent a
        WHERE a.revoked_at IS NULL AND a.last_seen_at > now() - make_interval(secs => $2)
          AND (NOT EXISTS (SELECT 1 FROM agent_assignment x WHERE x.agent_id = a.id)
               OR EXISTS (SELECT 1 FROM agent_assignment x WHERE x.agent_id = a.id AND x.service_id = $1))
        LIMIT 1`,
      [serviceId, this.config.AGENT_OFFLINE_SECONDS],
    );
    return rows.length > 0;
  }
}

function poolOf(serviceId: string | null, serviceName: string | null, servers: Server[]): PoolDto {
  const counts: Record<string, number> = {};
  for (const s of servers) counts[s.state] = (counts[s.state] ?? 0) + 1;
  return { serviceId, serviceName, counts, servers: servers.map(ServerDto.from) };
}
