import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, In } from 'typeorm';
import { AppConfig } from '../../../../libs/common/src/config';
import { DomainError } from '../../../../libs/common/src/problem';
import { AgentAssignment } from '../agents/agent.entity';
import { AuditService } from '../audit/audit.service';
import type { CallContext } from '../auth/principal';
import { ChangeBus } from '../common/change-bus';
import { EventsService } from '../events/events.service';
import { PoolsService } from '../inventory/pools.service';
import { Server } from '../inventory/server.entity';
import { Service } from '../inventory/service.entity';
import { ServersService } from '../inventory/servers.service';
import { AnalyserRepository } from '../analyser/analyser.repository';
import { eventData, specOf } from '../analyser/analyser.service';
import { ScalingDecision } from '../analyser/decision.entity';
import { ScalingPolicy } from '../policies/policy.entity';
import { ROLLBACK_REPLACEMENT_TRIGGER } from '../updates/replacement';
import { ClaimRepository } from './claim.repository';
import { pickSpread, rankAgentsForClaim, rankAgentsForRelease, rankForRelease } from './selection';

/** Free servers weighed per scale-out (oldest first beyond it); capability ranks among all of these. */
const FREE_CANDIDATES_MAX = 2000;

interface Change {
  serviceId: string;
  serverIds?: string[];
  agentIds?: string[];
  reason: string;
}

/**
 * Executes decisions exactly once: the decision row is locked and must still be pending, the
 * servers move in the same transaction, and the decision's final status commits with them. A
 * re-run (BullMQ retry, a second replica, the reconciler) finds it no longer pending and does nothing.
 */
@Injectable()
export class AllocationService {
  private readonly logger = new Logger(AllocationService.name);

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly pools: PoolsService,
    private readonly servers: ServersService,
    private readonly claims: ClaimRepository,
    private readonly analyser: AnalyserRepository,
    private readonly events: EventsService,
    private readonly bus: ChangeBus,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
  ) {}

  async executeDecision(decisionId: string, requestId: string | null = null): Promise<ScalingDecision | null> {
    const ctx: CallContext = { actor: `system:decision:${decisionId}`, requestId };
    let changed: Change | null = null;
    let result: ScalingDecision | null;
    try {
      result = await this.db.transaction(async (m) => {
        const d = await m.getRepository(ScalingDecision).findOne({ where: { id: decisionId }, lock: { mode: 'pessimistic_write' } });
        if (!d || d.status !== 'pending') return null;
        const svc = await m.getRepository(Service).findOne({ where: { id: d.serviceId }, lock: { mode: 'pessimistic_write' } });
        const policy = await m.getRepository(ScalingPolicy).findOne({ where: { serviceId: d.serviceId, role: 'live', pool: d.pool } });
        if (!svc) return this.finish(m, d, 'unfulfilled', 'the service no longer exists', [], null);
        if (d.pool === 'agents') {
          const out = await this.executeAgentDecision(m, d, svc, policy, ctx);
          changed = out.changed;
          return out.decision;
        }
        const holding = await m.getRepository(Server).find({ where: { serviceId: svc.id, state: In(['allocating', 'allocated']) } });
        const spec = policy ? specOf(policy, svc) : { min: svc.scalingMin, max: svc.scalingMax };
        if (d.action === 'scale_out') {
          // Re-read: add only what still takes the service to the decision's target, never past max.
          const want = Math.min(d.desired, spec.max) - holding.length;
          if (want <= 0) return this.finish(m, d, 'fulfilled', `already at ${holding.length} server(s)`, [], svc.name);
          const out = await this.allocateFree(m, d, svc, policy, holding, want, ctx, [], {
            none: `free pool empty: ${want} server(s) wanted${policy?.selector ? ' matching the selector' : ''}, none free`,
            short: (n) => `free pool short: ${n} of ${want} server(s) allocated`,
            done: (n) => `${n} server(s) allocated`,
          });
          if (out.changed) changed = out.changed;
          return out.decision;
        }
        if (d.action === 'scale_in') {
          const release = Math.min(holding.length - Math.max(d.desired, spec.min), holding.length);
          if (release <= 0) return this.finish(m, d, 'fulfilled', `already at ${holding.length} server(s)`, [], svc.name);
          const health = await this.claims.latestHealth(m, svc.id);
          const caps = await this.analyser.capabilities(holding.map((s) => s.id));
          const ids = rankForRelease(holding, health, caps).slice(0, release).map((s) => s.id);
          await this.pools.deallocate(svc.id, { serverIds: ids }, ctx, m);
          changed = { serviceId: svc.id, serverIds: ids, reason: 'servers de-allocated' };
          return this.finish(m, d, 'fulfilled', `${ids.length} server(s) draining`, ids, svc.name);
        }
        if (d.action === 'replace' && d.evidence?.trigger === ROLLBACK_REPLACEMENT_TRIGGER) {
          // The rollback already quarantined the servers: claim as many free ones, never past max.
          const lost = d.serverIds;
          const want = Math.min(lost.length, spec.max - holding.length);
          const names = ((d.evidence.quarantined as { name: string }[] | undefined) ?? []).map((q) => q.name).join(', ') || lost.join(', ');
          if (want <= 0) return this.finish(m, d, 'fulfilled', `nothing to replace: already at ${holding.length} server(s), max ${spec.max}`, lost, svc.name);
          const out = await this.allocateFree(m, d, svc, policy, holding, want, ctx, lost, {
            none: `free pool empty: no replacement for ${names}${policy?.selector ? ' matching the selector' : ''}`,
            short: (n) => `free pool short: ${n} of ${want} replacement(s) for ${names} allocated`,
            done: (n) => `${names} replaced by ${n} free server(s)`,
          });
          if (out.changed) changed = out.changed;
          return out.decision;
        }
        if (d.action === 'replace') {
          const target = d.serverIds[0];
          const s = target ? await m.getRepository(Server).findOne({ where: { id: target }, lock: { mode: 'pessimistic_write' } }) : null;
          if (!s || s.serviceId !== svc.id || s.state !== 'allocated') return this.finish(m, d, 'fulfilled', 'the server is no longer in the pool', [], svc.name);
          await this.servers.applyTransition(m, s, 'quarantined', `replaced by decision ${d.id}: ${d.reason}`.slice(0, 500), ctx);
          const ids = await this.claimFree(m, svc, policy, holding.filter((x) => x.id !== s.id), 1);
          if (ids.length) await this.pools.allocate(svc.id, { serverIds: ids }, ctx, m);
          changed = { serviceId: svc.id, serverIds: [s.id, ...ids], reason: ids.length ? 'servers allocated' : `server quarantined` };
          if (!ids.length) {
            await this.events.record('pool.exhausted', { serviceId: svc.id, serviceName: svc.name, requested: 1, decisionId: d.id }, svc.id, m);
            return this.finish(m, d, 'partially_fulfilled', `server ${s.name} quarantined; free pool empty, no replacement`, [s.id], svc.name);
          }
          return this.finish(m, d, 'fulfilled', `server ${s.name} quarantined, replaced`, [s.id, ...ids], svc.name);
        }
        return this.finish(m, d, 'unfulfilled', `nothing to execute for ${d.action}`, [], svc.name);
      });
    } catch (err) {
      if (!(err instanceof DomainError)) throw err;
      // A rule of the inventory refused the change (scaling bound, a race): record why, once.
      result = await this.db.transaction(async (m) => {
        const d = await m.getRepository(ScalingDecision).findOne({ where: { id: decisionId }, lock: { mode: 'pessimistic_write' } });
        if (!d || d.status !== 'pending') return null;
        return this.finish(m, d, 'unfulfilled', `${err.message}`.slice(0, 500), [], null);
      });
    }
    if (changed) {
      const c = changed as Change;
      await this.bus.emit({ reason: c.reason, serviceIds: [c.serviceId], serverIds: c.serverIds, agentIds: c.agentIds });
    }
    if (result) this.logger.log({ decisionId, pool: result.pool, status: result.status, outcome: result.outcome, serverIds: result.serverIds, agentIds: result.agentIds }, 'decision executed');
    return result;
  }

  /**
   * An agent-pool decision. Scale-out assigns free agents (online, assigned to no service, most
   * capable first) to the service; scale-in removes the assignments of the least useful ones,
   * which become free again and go back to serving every service (nothing to drain: a free
   * agent still routes this service). Each agent moved is an `agent.allocated` or
   * `agent.released` event, so an integrator can power agent hosts on and off.
   */
  private async executeAgentDecision(m: EntityManager, d: ScalingDecision, svc: Service, policy: ScalingPolicy | null, ctx: CallContext): Promise<{ decision: ScalingDecision; changed: Change | null }> {
    const spec = policy ? specOf(policy, svc) : { min: 0, max: 0 };
    const assigned = await this.analyser.assignedAgents(m, svc.id);
    const objective = svc.latencyObjectiveMs;
    const move = async (type: 'agent.allocated' | 'agent.released', agent: { id: string; name: string; address: string | null }) => {
      await this.audit.record(m, ctx, type === 'agent.allocated' ? 'agent.assign' : 'agent.unassign', 'agent', agent.id, type === 'agent.allocated' ? null : { serviceId: svc.id }, type === 'agent.allocated' ? { serviceId: svc.id } : null);
      await this.events.record(type, { agentId: agent.id, name: agent.name, address: agent.address, serviceId: svc.id, serviceName: svc.name, decisionId: d.id, reason: d.reason, actor: ctx.actor }, svc.id, m);
    };
    if (d.action === 'scale_out') {
      const want = Math.min(d.desired, spec.max) - assigned.length;
      if (want <= 0) return { decision: await this.finish(m, d, 'fulfilled', `already at ${assigned.length} agent(s)`, [], svc.name), changed: null };
      const candidates = await this.claims.lockFreeAgents(m, this.config.AGENT_ONLINE_SECONDS, Math.max(want * 4, 50));
      const caps = await this.analyser.agentCapabilities(candidates.map((a) => a.id), objective, m);
      const picked = rankAgentsForClaim(candidates, caps).slice(0, want);
      if (!picked.length) {
        await this.events.record('agent_pool.exhausted', { serviceId: svc.id, serviceName: svc.name, requested: want, decisionId: d.id }, svc.id, m);
        return { decision: await this.finish(m, d, 'unfulfilled', `no free agent: ${want} agent(s) wanted, none online and unassigned`, [], svc.name, 'agents'), changed: null };
      }
      await m.getRepository(AgentAssignment).insert(picked.map((a) => ({ agentId: a.id, serviceId: svc.id })));
      for (const a of picked) await move('agent.allocated', a);
      const ids = picked.map((a) => a.id);
      const changed: Change = { serviceId: svc.id, agentIds: ids, reason: 'agents assigned by scaling' };
      if (ids.length < want) {
        await this.events.record('agent_pool.exhausted', { serviceId: svc.id, serviceName: svc.name, requested: want, allocated: ids.length, decisionId: d.id }, svc.id, m);
        return { decision: await this.finish(m, d, 'partially_fulfilled', `free agents short: ${ids.length} of ${want} agent(s) assigned`, ids, svc.name, 'agents'), changed };
      }
      return { decision: await this.finish(m, d, 'fulfilled', `${ids.length} agent(s) assigned`, ids, svc.name, 'agents'), changed };
    }
    if (d.action === 'scale_in') {
      const release = assigned.length - Math.max(d.desired, spec.min);
      if (release <= 0) return { decision: await this.finish(m, d, 'fulfilled', `already at ${assigned.length} agent(s)`, [], svc.name), changed: null };
      const caps = await this.analyser.agentCapabilities(assigned.map((a) => a.id), objective, m);
      const picked = rankAgentsForRelease(assigned, caps, Date.now(), this.config.AGENT_ONLINE_SECONDS * 1000).slice(0, release);
      const ids = picked.map((a) => a.id);
      await m.getRepository(AgentAssignment).delete({ serviceId: svc.id, agentId: In(ids) });
      for (const a of picked) await move('agent.released', a);
      return { decision: await this.finish(m, d, 'fulfilled', `${ids.length} agent(s) released`, ids, svc.name, 'agents'), changed: { serviceId: svc.id, agentIds: ids, reason: 'agents released by scaling' } };
    }
    return { decision: await this.finish(m, d, 'unfulfilled', `nothing to execute for ${d.action} on an agent pool`, [], svc.name), changed: null };
  }

  /**
   * Claims up to `want` free servers for the service and finishes the decision with them (after
   * `keep`, the ids it already names): fulfilled, partially fulfilled or unfulfilled, with a
   * pool.exhausted event when the free pool fell short. Scale-out and post-rollback replacement.
   */
  private async allocateFree(
    m: EntityManager, d: ScalingDecision, svc: Service, policy: ScalingPolicy | null, holding: Server[], want: number, ctx: CallContext, keep: string[],
    say: { none: string; short: (allocated: number) => string; done: (allocated: number) => string },
  ): Promise<{ decision: ScalingDecision; changed: Change | null }> {
    const ids = await this.claimFree(m, svc, policy, holding, want);
    if (!ids.length) {
      await this.events.record('pool.exhausted', { serviceId: svc.id, serviceName: svc.name, requested: want, decisionId: d.id }, svc.id, m);
      return { decision: await this.finish(m, d, 'unfulfilled', say.none, keep, svc.name), changed: null };
    }
    await this.pools.allocate(svc.id, { serverIds: ids }, ctx, m);
    const changed: Change = { serviceId: svc.id, serverIds: ids, reason: 'servers allocated' };
    if (ids.length < want) {
      await this.events.record('pool.exhausted', { serviceId: svc.id, serviceName: svc.name, requested: want, allocated: ids.length, decisionId: d.id }, svc.id, m);
      return { decision: await this.finish(m, d, 'partially_fulfilled', say.short(ids.length), [...keep, ...ids], svc.name), changed };
    }
    return { decision: await this.finish(m, d, 'fulfilled', say.done(ids.length), [...keep, ...ids], svc.name), changed };
  }

  /**
   * Scale-out choice among every free server matching the selector (up to FREE_CANDIDATES_MAX):
   * ranked by capability and zone spread first, then the chosen ones are locked (SKIP LOCKED,
   * state re-checked); any another transaction took meanwhile are replaced from the rest.
   */
  private async claimFree(m: EntityManager, svc: Service, policy: ScalingPolicy | null, holding: Server[], want: number): Promise<string[]> {
    let candidates = await this.claims.freeCandidates(m, policy?.selector ?? null, FREE_CANDIDATES_MAX);
    if (!candidates.length) return [];
    const caps = await this.analyser.capabilities(candidates.map((s) => s.id));
    const claimed: Server[] = [];
    for (let round = 0; round < 5 && claimed.length < want && candidates.length; round++) {
      const picked = pickSpread(candidates, [...holding, ...claimed], caps, want - claimed.length, policy?.spreadZones ?? true);
      const locked = await this.claims.lockIfFree(m, picked.map((s) => s.id));
      const lockedIds = new Set(locked.map((s) => s.id));
      claimed.push(...picked.filter((s) => lockedIds.has(s.id)));
      const tried = new Set(picked.map((s) => s.id));
      candidates = candidates.filter((s) => !tried.has(s.id));
    }
    return claimed.map((s) => s.id);
  }

  private async finish(m: EntityManager, d: ScalingDecision, status: ScalingDecision['status'], outcome: string, ids: string[], serviceName: string | null, kind: 'servers' | 'agents' = 'servers'): Promise<ScalingDecision> {
    d.status = status;
    d.outcome = outcome;
    if (kind === 'agents') d.agentIds = ids;
    else d.serverIds = ids;
    d.executedAt = new Date();
    const saved = await m.getRepository(ScalingDecision).save(d);
    await this.events.record(`decision.${status}`, eventData(saved, serviceName ?? ''), d.serviceId, m);
    return saved;
  }
}
