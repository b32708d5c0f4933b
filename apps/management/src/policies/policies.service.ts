import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { ConflictError, DomainError, NotFoundError } from '../../../../libs/common/src/problem';
import type { CallContext } from '../auth/principal';
import { AuditService } from '../audit/audit.service';
import { ServicesService } from '../inventory/services.service';
import { Service } from '../inventory/service.entity';
import { CreatePolicyDto, PolicyDto, ThresholdRuleDto, UpdatePolicyDto } from './policy.dto';
import { ScalingPolicy } from './policy.entity';

function invalid(field: string, message: string): DomainError {
  return new DomainError(400, 'validation', 'Bad Request', `${field}: ${message}`, { errors: [{ field, messages: [message] }] });
}

const rule = (r: ThresholdRuleDto | undefined | null) => (r ? { comparison: r.comparison, value: r.value, forSeconds: r.forSeconds ?? 10, step: r.step ?? 1 } : null);

/** Scaling policies: at most one live and one shadow policy per service and pool (servers, agents). */
@Injectable()
export class PoliciesService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly services: ServicesService,
    private readonly audit: AuditService,
  ) {}

  async listPolicies(serviceId: string): Promise<PolicyDto[]> {
    await this.services.getService(serviceId);
    const rows = await this.db.getRepository(ScalingPolicy).find({ where: { serviceId }, order: { role: 'ASC', createdAt: 'ASC' } });
    return rows.map(PolicyDto.from);
  }

  async getPolicy(serviceId: string, id: string, m: EntityManager = this.db.manager): Promise<ScalingPolicy> {
    const p = await m.getRepository(ScalingPolicy).findOne({ where: { id, serviceId } });
    if (!p) throw new NotFoundError('Policy', id);
    return p;
  }

  async createPolicy(serviceId: string, dto: CreatePolicyDto, ctx: CallContext): Promise<PolicyDto> {
    return this.db.transaction(async (m) => {
      const svc = await this.services.getService(serviceId, m);
      const role = dto.role ?? 'live';
      const pool = dto.pool ?? 'servers';
      const taken = await m.getRepository(ScalingPolicy).exists({ where: { serviceId, role, pool } });
      if (taken) throw new ConflictError('policy-exists', 'Policy exists', `service ${svc.name} already has a ${role} policy for its ${pool}; change or delete it`, { role, pool });
      const p = m.getRepository(ScalingPolicy).create({ serviceId, role, pool, type: dto.type, metric: dto.metric });
      this.applyFields(p, dto);
      this.check(p, svc);
      const saved = await m.getRepository(ScalingPolicy).save(p);
      await this.audit.record(m, ctx, 'policy.create', 'policy', saved.id, null, PolicyDto.from(saved));
      return PolicyDto.from(saved);
    });
  }

  async updatePolicy(serviceId: string, id: string, dto: UpdatePolicyDto, ctx: CallContext): Promise<PolicyDto> {
    return this.db.transaction(async (m) => {
      const svc = await this.services.getService(serviceId, m);
      const p = await this.getPolicy(serviceId, id, m);
      const before = PolicyDto.from(p);
      if (dto.type !== undefined) p.type = dto.type;
      if (dto.metric !== undefined) p.metric = dto.metric;
      this.applyFields(p, dto);
      this.check(p, svc);
      const saved = await m.getRepository(ScalingPolicy).save(p);
      await this.audit.record(m, ctx, 'policy.update', 'policy', id, before, PolicyDto.from(saved));
      return PolicyDto.from(saved);
    });
  }

  async deletePolicy(serviceId: string, id: string, ctx: CallContext): Promise<void> {
    await this.db.transaction(async (m) => {
      const p = await this.getPolicy(serviceId, id, m);
      await m.getRepository(ScalingPolicy).delete({ id });
      await this.audit.record(m, ctx, 'policy.delete', 'policy', id, PolicyDto.from(p), null);
    });
  }

  // Explicit field mapping: the body never reaches `save` as is.
  private applyFields(p: ScalingPolicy, dto: UpdatePolicyDto): void {
    if (dto.target !== undefined) p.target = dto.target;
    if (dto.scaleOut !== undefined) p.scaleOut = rule(dto.scaleOut);
    if (dto.scaleIn !== undefined) p.scaleIn = rule(dto.scaleIn);
    if (dto.tolerance !== undefined) p.tolerance = dto.tolerance;
    if (dto.min !== undefined) p.minServers = dto.min;
    if (dto.max !== undefined) p.maxServers = dto.max;
    if (dto.scaleOutStabilizationSeconds !== undefined) p.scaleOutStabilizationSeconds = dto.scaleOutStabilizationSeconds;
    if (dto.scaleInStabilizationSeconds !== undefined) p.scaleInStabilizationSeconds = dto.scaleInStabilizationSeconds;
    if (dto.cooldownSeconds !== undefined) p.cooldownSeconds = dto.cooldownSeconds;
    if (dto.maxAddPerMinute !== undefined) p.maxAddPerMinute = dto.maxAddPerMinute;
    if (dto.flapBudgetPerHour !== undefined) p.flapBudgetPerHour = dto.flapBudgetPerHour;
    if (dto.evaluationWindowSeconds !== undefined) p.evaluationWindowSeconds = dto.evaluationWindowSeconds;
    if (dto.dryRun !== undefined) p.dryRun = dto.dryRun;
    if (dto.recordNoChange !== undefined) p.recordNoChange = dto.recordNoChange;
    if (dto.selector !== undefined) p.selector = dto.selector ? { ...(dto.selector.labels ? { labels: { ...dto.selector.labels } } : {}), ...(dto.selector.zones ? { zones: [...dto.selector.zones] } : {}) } : null;
    if (dto.spreadZones !== undefined) p.spreadZones = dto.spreadZones;
    if (dto.replaceUnhealthyAfterSeconds !== undefined) p.replaceUnhealthyAfterSeconds = dto.replaceUnhealthyAfterSeconds;
  }

  /** Rules that span fields, named like the validation pipe names them. */
  private check(p: ScalingPolicy, svc: Service): void {
    if (p.type === 'target-tracking') {
      if (p.target === null || p.target === undefined) throw invalid('target', 'target is required for a target-tracking policy');
      p.scaleOut = null;
      p.scaleIn = null;
    } else {
      if (!p.scaleOut && !p.scaleIn) throw invalid('scaleOut', 'a threshold policy needs scaleOut, scaleIn or both');
      if (p.scaleOut && p.scaleIn && p.scaleOut.comparison.startsWith('>') && p.scaleIn.comparison.startsWith('<') && p.scaleIn.value >= p.scaleOut.value) {
        throw invalid('scaleIn.value', 'must be below scaleOut.value, or the policy would flap');
      }
    }
    if (p.pool === 'agents') {
      if (p.metric === 'load') throw invalid('metric', "load is a backend's own published value; an agent pool scales on inflight_per_server, rps_per_server, p95_latency_ms, error_rate or cpu");
      if (p.selector) throw invalid('selector', 'a selector chooses free servers; an agent pool takes free agents');
      if (p.maxServers === null || p.maxServers === undefined) throw invalid('max', 'an agent pool needs max (the most agents to assign to the service)');
      if ((p.minServers ?? 1) > p.maxServers) throw invalid('min', `must not exceed max (${p.maxServers})`);
      return;
    }
    const labels = p.selector?.labels;
    if (labels && Object.entries(labels).some(([k, v]) => typeof v !== 'string' || !/^[A-Za-z0-9._/-]{1,63}$/.test(k) || v.length > 255)) {
      throw invalid('selector.labels', 'labels must map names to strings');
    }
    const min = p.minServers ?? svc.scalingMin;
    const max = p.maxServers ?? svc.scalingMax;
    if (p.maxServers !== null && p.maxServers !== undefined && p.maxServers > svc.scalingMax) throw invalid('max', `must not exceed the service's scaling.max (${svc.scalingMax})`);
    if (min > max) throw invalid('min', `must not exceed max (${max})`);
  }
}
