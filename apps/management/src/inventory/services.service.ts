import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { ConflictError, DomainError, NotFoundError } from '../../../../libs/common/src/problem';
import { AuditService } from '../audit/audit.service';
import { ChangeBus } from '../common/change-bus';
import type { CallContext } from '../auth/principal';
import { keysetPage } from '../common/cursor';
import { CreateServiceDto, HealthCheckDto, ListServicesQuery, ServiceDto, ServicePageDto, UpdateServiceDto } from './dto/service.dto';
import { Server } from './server.entity';
import { HealthCheck, Service } from './service.entity';

const DEFAULT_HEALTH: HealthCheck = { path: '/health', intervalMs: 2000, timeoutMs: 1000, healthyThreshold: 2, unhealthyThreshold: 3 };

function healthCheckOf(dto: HealthCheckDto | undefined, base: HealthCheck = DEFAULT_HEALTH): HealthCheck {
  return {
    path: dto?.path ?? base.path,
    intervalMs: dto?.intervalMs ?? base.intervalMs,
    timeoutMs: dto?.timeoutMs ?? base.timeoutMs,
    healthyThreshold: dto?.healthyThreshold ?? base.healthyThreshold,
    unhealthyThreshold: dto?.unhealthyThreshold ?? base.unhealthyThreshold,
  };
}

function badField(field: string, message: string): DomainError {
  return new DomainError(400, 'validation', 'Bad Request', message, { errors: [{ field, messages: [message] }] });
}

function checkService(s: Service): void {
  if (!s.match.host && !s.match.pathPrefix) throw badField('match', 'match needs a host, a pathPrefix or both');
  if (s.scalingMin > s.scalingMax) throw badField('scaling.min', `scaling.min (${s.scalingMin}) must not exceed scaling.max (${s.scalingMax})`);
  if (s.healthCheck.timeoutMs > s.healthCheck.intervalMs) throw badField('healthCheck.timeoutMs', 'healthCheck.timeoutMs must not exceed healthCheck.intervalMs');
}

@Injectable()
export class ServicesService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly audit: AuditService,
    private readonly bus: ChangeBus,
  ) {}

  async createService(dto: CreateServiceDto, ctx: CallContext): Promise<Service> {
    const created = await this.db.transaction(async (m) => {
      const repo = m.getRepository(Service);
      if (await repo.existsBy({ name: dto.name })) throw new ConflictError('name-taken', 'Name taken', `a service named ${dto.name} already exists`, { field: 'name' });
      const svc = repo.create({
        name: dto.name,
        match: { ...(dto.match.host ? { host: dto.match.host.toLowerCase() } : {}), ...(dto.match.pathPrefix ? { pathPrefix: dto.match.pathPrefix } : {}) },
        algorithm: dto.algorithm ?? 'round_robin',
        healthCheck: healthCheckOf(dto.healthCheck),
        scalingMin: dto.scaling?.min ?? 1,
        scalingMax: dto.scaling?.max ?? 10,
        loadEndpoint: dto.loadEndpoint ?? null,
        latencyObjectiveMs: dto.latencyObjectiveMs ?? 250,
      });
      checkService(svc);
      const saved = await repo.save(svc);
      await this.audit.record(m, ctx, 'service.create', 'service', saved.id, null, ServiceDto.from(saved));
      return saved;
    });
    await this.bus.emit({ reason: 'service created', serviceIds: [created.id] });
    return created;
  }

  async listServices(q: ListServicesQuery): Promise<ServicePageDto> {
    const limit = q.limit ?? 50;
    const qb = this.db.getRepository(Service).createQueryBuilder('s');
    if (q.name) qb.andWhere('s.name = :name', { name: q.name });
    const { rows, nextCursor } = await keysetPage(qb, 'createdAt', q.cursor, limit);
    return { items: rows.map(ServiceDto.from), nextCursor };
  }

  async getService(id: string, m: EntityManager = this.db.manager): Promise<Service> {
    const s = await m.getRepository(Service).findOne({ where: { id } });
    if (!s) throw new NotFoundError('Service', id);
    return s;
  }

  async updateService(id: string, dto: UpdateServiceDto, ctx: CallContext): Promise<Service> {
    const updated = await this.db.transaction(async (m) => {
      const s = await m.getRepository(Service).findOne({ where: { id }, lock: { mode: 'pessimistic_write' } });
      if (!s) throw new NotFoundError('Service', id);
      const before = ServiceDto.from(s);
      if (dto.match !== undefined) s.match = { ...(dto.match.host ? { host: dto.match.host.toLowerCase() } : {}), ...(dto.match.pathPrefix ? { pathPrefix: dto.match.pathPrefix } : {}) };
      if (dto.algorithm !== undefined) s.algorithm = dto.algorithm;
      if (dto.healthCheck !== undefined) s.healthCheck = healthCheckOf(dto.healthCheck, s.healthCheck);
      if (dto.scaling !== undefined) {
        s.scalingMin = dto.scaling.min;
        s.scalingMax = dto.scaling.max;
      }
      if (dto.loadEndpoint !== undefined) s.loadEndpoint = dto.loadEndpoint;
      if (dto.latencyObjectiveMs !== undefined) s.latencyObjectiveMs = dto.latencyObjectiveMs;
      checkService(s);
      const saved = await m.getRepository(Service).save(s);
      await this.audit.record(m, ctx, 'service.update', 'service', id, before, ServiceDto.from(saved));
      return saved;
    });
    await this.bus.emit({ reason: 'service changed', serviceIds: [id] });
    return updated;
  }

  /** Removes a service whose pool is empty; a service with servers must be de-allocated first. */
  async deleteService(id: string, ctx: CallContext): Promise<void> {
    await this.db.transaction(async (m) => {
      const s = await m.getRepository(Service).findOne({ where: { id }, lock: { mode: 'pessimistic_write' } });
      if (!s) throw new NotFoundError('Service', id);
      const held = await m.getRepository(Server).countBy({ serviceId: id });
      if (held > 0) throw new ConflictError('pool-not-empty', 'Pool not empty', `service ${s.name} still holds ${held} server(s); de-allocate them first`, { servers: held });
      await m.getRepository(Service).delete({ id });
      await this.audit.record(m, ctx, 'service.delete', 'service', id, ServiceDto.from(s), null);
    });
    await this.bus.emit({ reason: 'service deleted', serviceIds: [id] });
  }
}
