import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Queue } from 'bullmq';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { DataSource, EntityManager, In, MoreThan } from 'typeorm';
import { AppConfig } from '../../../../libs/common/src/config';
import { DomainError } from '../../../../libs/common/src/problem';
import { addExecuteDecision, QueueName } from '../../../../libs/common/src/queues';
import { EventsService } from '../events/events.service';
import { Server } from '../inventory/server.entity';
import { Service } from '../inventory/service.entity';
import { ServersService } from '../inventory/servers.service';
import { ServicesService } from '../inventory/services.service';
import { POLICY_POOLS, ScalingPolicy } from '../policies/policy.entity';
import { AnalyserRepository, ReportingAgent } from './analyser.repository';
import { CapabilitiesDto, DecisionDto, DecisionPageDto, ListDecisionsQuery } from './analyser.dto';
import { ScalingDecision } from './decision.entity';
import { evaluate, Evaluation, PolicySpec, Recommendation, ScaleEvent, TelemetryView } from './headroom';
import { latestPerAgentServer, metricOf, SampleRow, seriesOf } from './telemetry-view';

const EXECUTED = ['fulfilled', 'partially_fulfilled'] as const;
/** A hold (or shadow disagreement) that goes on for the same reason is stored again this often. */
const REPEAT_RECORD_MS = 60_000;
const CAPABILITY_TTL_MS = 30_000;
/**
 * An agent that reported a service within this long, and still routes it, is expected to go on
 * reporting it: while its telemetry is stale the analyser holds scale-in. Past this the agent
 * counts as gone (revoking or unassigning it says so at once).
 */
export const SILENT_AGENT_MEMORY_MS = 600_000;

/** One pool of a service as the analyser sees it. */
interface PoolState {
  /** Members held: servers allocated or allocating; agents assigned. */
  current: number;
  inProgress: string | null;
  samples: SampleRow[];
  newest: number | null;
  capabilityOf: (spec: PolicySpec) => Promise<number | null>;
  /** Counts shown as evidence. */
  members: Record<string, number>;
  /** The servers held (servers pool only), for replacement. */
  holding: Server[];
  /** Agents that carried the pool's traffic lately, with when each last reported it. */
  reporters: ReportingAgent[];
}

/**
 * Effective policy maths input from the stored policy and the service's bounds. A server pool
 * lives within the service's scaling.min/max; an agent pool has its own bounds (min default 1).
 */
export function specOf(p: ScalingPolicy, svc: Service): PolicySpec {
  const max = p.pool === 'agents' ? (p.maxServers ?? 1) : Math.min(p.maxServers ?? svc.scalingMax, svc.scalingMax);
  const min = p.pool === 'agents' ? (p.minServers ?? 1) : (p.minServers ?? svc.scalingMin);
  return {
    type: p.type, metric: p.metric, target: p.target, scaleOut: p.scaleOut, scaleIn: p.scaleIn, tolerance: p.tolerance,
    min: Math.min(min, max), max,
    scaleOutStabilizationSeconds: p.scaleOutStabilizationSeconds, scaleInStabilizationSeconds: p.scaleInStabilizationSeconds,
    cooldownSeconds: p.cooldownSeconds, maxAddPerMinute: p.maxAddPerMinute, flapBudgetPerHour: p.flapBudgetPerHour,
  };
}

/**
 * A pool's samples of the window, and the time of its newest report (of the samples, or of any
 * age when the window is empty). Each statement sees what had committed when it started: a
 * report stored between the two reads is newer than the window's start yet missing from the
 * samples, which read as a fresh report without samples (a spurious "no fresh sample" hold).
 * Then the window is read once more.
 */
export async function windowAndNewest<S extends { at: number }>(windowMs: number, readWindow: () => Promise<S[]>, readNewest: () => Promise<number | null>): Promise<{ samples: S[]; newest: number | null }> {
  const from = Date.now() - windowMs;
  let samples = await readWindow();
  if (!samples.length) {
    const newest = await readNewest();
    if (newest === null || newest < from) return { samples, newest };
    samples = await readWindow();
    if (!samples.length) return { samples, newest };
  }
  return { samples, newest: Math.max(...samples.map((s) => s.at)) };
}

/**
 * Evaluates services' policies. One evaluation per service at a time across every replica
 * (a transaction-scoped advisory lock; a replica that cannot take it skips, the holder is
 * already evaluating fresh data). Each evaluation stores a decision with its evidence; a
 * decision that acts is handed to the allocation queue, keyed by its id, after commit.
 */
@Injectable()
export class AnalyserService {
  private readonly logger = new Logger(AnalyserService.name);
  /** Named in each decision's evidence; unique per instance, so two replicas in one process tell apart. */
  readonly replica: string;
  private readonly capabilityCache = new Map<string, { at: number; rps: number | null }>();

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly repo: AnalyserRepository,
    private readonly config: AppConfig,
    private readonly events: EventsService,
    private readonly services: ServicesService,
    private readonly servers: ServersService,
    @InjectQueue(QueueName.Allocation) private readonly allocation: Queue,
  ) {
    this.replica = config.REPLICA_ID || `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  }

  private get staleAfterMs(): number {
    return Math.max(3 * this.config.AGENT_REPORT_INTERVAL_MS, 3000);
  }

  /** Every service with a live policy, one after the other; also re-queues decisions whose job was lost. */
  async analyseAll(): Promise<number> {
    const rows: { service_id: string }[] = await this.db.query(`SELECT DISTINCT service_id FROM scaling_policy WHERE role = 'live'`);
    let n = 0;
    for (const r of rows) {
      try {
        if ((await this.analyseService(r.service_id)).length) n++;
      } catch (err) {
        this.logger.warn({ err, serviceId: r.service_id }, 'analysis failed');
      }
    }
    await this.requeuePending();
    return n;
  }

  /** The reconciler: a pending decision older than a few seconds whose job is gone is queued again (same job id). */
  async requeuePending(): Promise<void> {
    const stuck = await this.db.getRepository(ScalingDecision).createQueryBuilder('d')
      .where(`d.status = 'pending'`).andWhere(`d.createdAt < now() - interval '3 seconds'`).limit(50).getMany();
    for (const d of stuck) await this.enqueue(d);
  }

  /** Removes no-change and hold decisions, and recommendation changes, older than a day. */
  async pruneDecisions(): Promise<void> {
    await this.db.query(`DELETE FROM scaling_decision WHERE status = 'recorded' AND created_at < now() - interval '1 day'`);
    await this.repo.pruneRecommendations();
  }

  /**
   * Evaluates the service's live policies (one per pool: servers, agents) under the service's
   * evaluation lock; returns the decisions this evaluation stored (none when another replica holds
   * the lock; a no-change evaluation is stored only when its policy asks for it).
   */
  async analyseService(serviceId: string, requestId: string | null = null): Promise<ScalingDecision[]> {
    const decisions = await this.db.transaction(async (m) => {
      if (!(await this.repo.tryLockService(m, serviceId))) return [];
      const svc = await m.getRepository(Service).findOne({ where: { id: serviceId } });
      if (!svc) return [];
      const policies = await m.getRepository(ScalingPolicy).find({ where: { serviceId } });
      const out: ScalingDecision[] = [];
      for (const pool of POLICY_POOLS) {
        const live = policies.find((p) => p.role === 'live' && p.pool === pool);
        if (!live) continue;
        const shadow = policies.find((p) => p.role === 'shadow' && p.pool === pool) ?? null;
        const d = await this.evaluateLocked(m, svc, live, shadow);
        if (d) out.push(d);
      }
      return out;
    });
    for (const d of decisions) if (d.status === 'pending') await this.enqueue(d, requestId);
    return decisions;
  }

  private async enqueue(d: ScalingDecision, requestId: string | null = null): Promise<void> {
    try {
      await addExecuteDecision(this.allocation, d.id, requestId);
    } catch (err) {
      // The decision is committed; the reconciler re-queues it.
      this.logger.warn({ err, decisionId: d.id }, 'could not enqueue decision');
    }
  }

  /** What the analyser needs of one pool: its members now, what is still settling, its samples. */
  private async poolState(m: EntityManager, svc: Service, pool: ScalingPolicy['pool'], windowMs: number, now: number): Promise<PoolState> {
    const pending = await m.getRepository(ScalingDecision).findOne({ where: { serviceId: svc.id, pool, status: 'pending' } });
    if (pool === 'agents') {
      const agents = await this.repo.assignedAgents(m, svc.id);
      const ids = agents.map((a) => a.id);
      const { samples, newest } = await windowAndNewest(windowMs, () => this.repo.agentSamples(m, ids, windowMs), () => this.repo.newestAgentSampleAt(m, ids));
      const online = agents.filter((a) => a.lastSeenAt !== null && now - a.lastSeenAt.getTime() <= this.config.AGENT_ONLINE_SECONDS * 1000).length;
      return {
        current: agents.length, inProgress: pending ? `decision ${pending.id} not executed yet` : null, samples, newest,
        capabilityOf: (spec) => (spec.metric === 'rps_per_server' ? this.poolCapability('agent', ids, svc.latencyObjectiveMs) : Promise.resolve(null)),
        members: { assigned: agents.length, online }, holding: [], reporters: await this.repo.reportingPoolAgents(m, ids, SILENT_AGENT_MEMORY_MS),
      };
    }
    const held = await m.getRepository(Server).find({ where: { serviceId: svc.id, state: In(['allocating', 'allocated', 'draining']) } });
    const holding = held.filter((s) => s.state !== 'draining');
    const allocating = holding.filter((s) => s.state === 'allocating');
    const { samples, newest } = await windowAndNewest(windowMs, () => this.repo.samples(m, svc.id, windowMs), () => this.repo.newestSampleAt(m, svc.id));
    const allocatedIds = holding.filter((s) => s.state === 'allocated').map((s) => s.id);
    return {
      current: holding.length,
      inProgress: pending ? `decision ${pending.id} not executed yet` : allocating.length ? `${allocating.length} server(s) still allocating (waiting for the agents to serve them)` : null,
      samples, newest,
      capabilityOf: (spec) => (spec.metric === 'rps_per_server' ? this.poolCapability('server', allocatedIds, svc.latencyObjectiveMs) : Promise.resolve(null)),
      members: { allocated: allocatedIds.length, allocating: allocating.length, draining: held.length - holding.length }, holding,
      reporters: await this.repo.reportingAgents(m, svc.id, SILENT_AGENT_MEMORY_MS),
    };
  }

  /**
   * One evaluation of a pool's live (and shadow) policy. Its recommendation joins the history
   * (changes only). What is stored as a decision: every one that acts; holds, when their reason
   * starts and once a minute while it lasts (so stale telemetry, cooldowns and settling say why
   * without a row a second); shadow disagreements likewise; no-change ones only when the policy
   * sets recordNoChange. Returns the stored decision, or null.
   */
  private async evaluateLocked(m: EntityManager, svc: Service, live: ScalingPolicy, shadow: ScalingPolicy | null): Promise<ScalingDecision | null> {
    const now = Date.now();
    const pool = live.pool;
    const spec = specOf(live, svc);
    const windowS = Math.max(live.evaluationWindowSeconds, live.scaleOut?.forSeconds ?? 0, live.scaleIn?.forSeconds ?? 0, shadow?.evaluationWindowSeconds ?? 0) + 2;
    const state = await this.poolState(m, svc, pool, windowS * 1000, now);
    const { current, inProgress, samples, newest, holding } = state;
    const silent = this.silentAgents(state.reporters, now);
    const view = await this.viewOf(spec, samples, newest, now, state.capabilityOf, silent);

    const lookback = Math.max(spec.scaleInStabilizationSeconds, spec.scaleOutStabilizationSeconds, 60);
    const history: Recommendation[] = await this.repo.recommendations(m, live.id, now - lookback * 1000);
    const executed = await m.getRepository(ScalingDecision).find({
      where: { serviceId: svc.id, pool, status: In([...EXECUTED]), executedAt: MoreThan(new Date(now - 3_600_000)) },
      select: { id: true, executedAt: true, delta: true, action: true, serverIds: true, agentIds: true },
    });
    const scaleEvents: ScaleEvent[] = executed.filter((d) => d.action !== 'replace').map((d) => ({ at: d.executedAt!.getTime(), delta: Math.sign(d.delta) * Math.max(d.serverIds.length + d.agentIds.length, 1) }));
    const historySince = live.updatedAt.getTime();

    let result: Evaluation = evaluate({ now, policy: spec, current, inProgress, telemetry: view, history, historySince, scaleEvents });
    let replaceIds: string[] = [];
    if (pool === 'servers' && (result.action === 'no_change' || (result.action === 'hold' && !inProgress)) && live.replaceUnhealthyAfterSeconds) {
      const candidates = holding.filter((s) => s.state === 'allocated' && now - s.stateChangedAt.getTime() > live.replaceUnhealthyAfterSeconds! * 1000);
      replaceIds = (await this.repo.persistentlyUnhealthy(m, svc.id, candidates.map((s) => s.id), live.replaceUnhealthyAfterSeconds)).slice(0, 1);
      if (replaceIds.length) {
        const name = holding.find((s) => s.id === replaceIds[0])?.name;
        result = { ...result, action: 'hold', desired: current, delta: 0, reason: `server ${name} reported unhealthy by every agent for ${live.replaceUnhealthyAfterSeconds} s: replace it`, formula: 'replace 1' };
      }
    }

    let shadowOut: Record<string, unknown> | null = null;
    if (shadow) {
      const sspec = specOf(shadow, svc);
      const sview = await this.viewOf(sspec, samples, newest, now, state.capabilityOf, silent);
      const slookback = Math.max(sspec.scaleInStabilizationSeconds, sspec.scaleOutStabilizationSeconds, 60);
      const shistory = await this.repo.recommendations(m, shadow.id, now - slookback * 1000);
      const s = evaluate({ now, policy: sspec, current, inProgress, telemetry: sview, history: shistory, historySince: shadow.updatedAt.getTime(), scaleEvents });
      await this.repo.recordRecommendation(m, shadow.id, now, s.recommended, shistory);
      const differs = s.desired !== result.desired;
      shadowOut = { policyId: shadow.id, metric: shadow.metric, action: s.action, recommended: s.recommended, desired: s.desired, reason: s.reason, formula: s.formula, value: sview.value, differs };
    }

    await this.repo.recordRecommendation(m, live.id, now, result.recommended, history);

    const acts = replaceIds.length > 0 || result.action === 'scale_out' || result.action === 'scale_in';
    const action = replaceIds.length ? 'replace' : result.action;
    const differs = Boolean(shadowOut?.differs && shadowOut.action !== 'hold');
    if (!acts && !live.recordNoChange) {
      if (action !== 'hold' && !differs) return null;
      // A hold or a shadow disagreement already on record, for the same reason, less than a minute ago: nothing new to say.
      const last = await m.getRepository(ScalingDecision).findOne({
        where: { serviceId: svc.id, pool, policyId: live.id }, order: { createdAt: 'DESC' }, select: { id: true, createdAt: true, action: true, reason: true, shadow: true },
      });
      const same = last && last.action === action && reasonKind(last.reason) === reasonKind(result.reason) && Boolean(last.shadow?.differs) === Boolean(shadowOut?.differs);
      if (same && now - last.createdAt.getTime() < REPEAT_RECORD_MS) return null;
    }
    const d = m.getRepository(ScalingDecision).create({
      serviceId: svc.id, policyId: live.id, pool, action, status: acts ? (live.dryRun ? 'dry_run' : 'pending') : 'recorded',
      current, recommended: result.recommended, desired: result.desired, delta: result.delta, reason: result.reason, shadow: shadowOut,
      serverIds: replaceIds, agentIds: [], outcome: null, executedAt: null,
      evidence: {
        pool,
        policy: { id: live.id, pool, type: live.type, metric: live.metric, target: live.target, scaleOut: live.scaleOut, scaleIn: live.scaleIn, tolerance: spec.tolerance, min: spec.min, max: spec.max,
          scaleOutStabilizationSeconds: spec.scaleOutStabilizationSeconds, scaleInStabilizationSeconds: spec.scaleInStabilizationSeconds, cooldownSeconds: spec.cooldownSeconds,
          maxAddPerMinute: spec.maxAddPerMinute, flapBudgetPerHour: spec.flapBudgetPerHour, dryRun: live.dryRun },
        metric: { name: live.metric, value: view.value === null ? null : round3(view.value), reporting: view.reporting, detail: view.detail, ageMs: view.ageMs, staleAfterMs: view.staleAfterMs, totalRps: round3(view.totalRps ?? 0), capabilityRps: view.capabilityRps ?? null,
          silentAgents: silent.map((a) => ({ id: a.id, name: a.name, lastReportAgoMs: now - a.reportedAt, lastSeenAgoMs: a.lastSeenAt ? now - a.lastSeenAt.getTime() : null })) },
        window: { seconds: windowS, values: view.window },
        formula: result.formula,
        limits: result.limits,
        [pool === 'agents' ? 'agents' : 'servers']: state.members,
        inProgress,
        replica: this.replica,
      },
    });
    const saved = await m.getRepository(ScalingDecision).save(d);
    if (acts || differs) {
      await this.events.record(acts ? `decision.${action}` : 'decision.shadow_differs', eventData(saved, svc.name), svc.id, m);
    }
    if (acts) this.logger.log({ serviceId: svc.id, pool, decisionId: saved.id, action, current, desired: saved.desired, reason: saved.reason }, 'scaling decision');
    return saved;
  }

  /** The agents that carried the pool lately whose telemetry for it is now stale. */
  private silentAgents(reporters: ReportingAgent[], now: number): ReportingAgent[] {
    return reporters.filter((a) => now - a.reportedAt > this.staleAfterMs).sort((x, y) => x.name.localeCompare(y.name) || x.id.localeCompare(y.id));
  }

  private async viewOf(spec: PolicySpec, samples: SampleRow[], newest: number | null, now: number, capabilityOf: PoolState['capabilityOf'], silent: ReportingAgent[]): Promise<TelemetryView & { detail: string }> {
    const fresh = latestPerAgentServer(samples.filter((s) => now - s.at <= this.staleAfterMs));
    const mv = metricOf(spec.metric, fresh);
    const bucket = Math.max(this.config.AGENT_REPORT_INTERVAL_MS, 1000);
    const window = seriesOf(spec.metric, samples, bucket);
    const capabilityRps = await capabilityOf(spec);
    return {
      value: fresh.length ? mv.value : null, reporting: mv.reporting, ageMs: newest === null ? null : now - newest, staleAfterMs: this.staleAfterMs,
      window, capabilityRps, totalRps: mv.totalRps, detail: mv.detail,
      silentAgents: silent.map((a) => {
        const seen = a.lastSeenAt ? now - a.lastSeenAt.getTime() : null;
        const alive = seen !== null && seen <= this.config.AGENT_ONLINE_SECONDS * 1000 ? 'still online' : seen === null ? 'never seen' : `not seen for ${Math.round(seen / 1000)} s`;
        return `${a.name} (${a.id}; last report ${Math.round((now - a.reportedAt) / 1000)} s ago, ${alive})`;
      }),
    };
  }

  /**
   * Median learned capability of a pool's members, servers or agents (cached briefly). Only
   * proven limits count (members seen missing the objective): the highest rate seen within it on
   * a member never pushed that far is a lower bound, and sizing by it would keep a lightly loaded
   * pool from ever scaling in.
   */
  private async poolCapability(kind: 'server' | 'agent', ids: string[], objectiveMs: number): Promise<number | null> {
    const now = Date.now();
    const key = (id: string) => `${kind}:${id}`;
    const missing = ids.filter((id) => (this.capabilityCache.get(key(id))?.at ?? 0) < now - CAPABILITY_TTL_MS);
    if (missing.length) {
      const caps = kind === 'server' ? await this.repo.capabilities(missing, true) : await this.repo.agentCapabilities(missing, objectiveMs, undefined, true);
      for (const id of missing) this.capabilityCache.set(key(id), { at: now, rps: caps.get(id) ?? null });
    }
    const known = ids.map((id) => this.capabilityCache.get(key(id))?.rps).filter((v): v is number => typeof v === 'number' && v > 0).sort((a, b) => a - b);
    return known.length ? known[Math.floor(known.length / 2)] : null;
  }

  async listDecisions(serviceId: string, q: ListDecisionsQuery): Promise<DecisionPageDto> {
    await this.services.getService(serviceId);
    const limit = q.limit ?? 50;
    const qb = this.db.getRepository(ScalingDecision).createQueryBuilder('d').where('d.serviceId = :serviceId', { serviceId });
    if (!q.includeNoChange) qb.andWhere(`d.status <> 'recorded'`);
    if (q.pool) qb.andWhere('d.pool = :pool', { pool: q.pool });
    if (q.before) {
      const [t, id] = q.before.split('_');
      const at = new Date(Number(t));
      if (!id || Number.isNaN(at.getTime())) throw new DomainError(400, 'bad-request', 'Bad request', 'before is not a cursor from a previous page', { errors: [{ field: 'before', messages: ['invalid cursor'] }] });
      qb.andWhere('(d.createdAt, d.id) < (:at, :id)', { at, id });
    }
    const rows = await qb.orderBy('d.createdAt', 'DESC').addOrderBy('d.id', 'DESC').take(limit + 1).getMany();
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return { items: page.map(DecisionDto.from), nextCursor: rows.length > limit && last ? `${last.createdAt.getTime()}_${last.id}` : null };
  }

  async getDecision(serviceId: string, id: string): Promise<DecisionDto> {
    const d = await this.db.getRepository(ScalingDecision).findOne({ where: { id, serviceId } });
    if (!d) throw new DomainError(404, 'not-found', 'Decision not found', `no decision with id ${id} for service ${serviceId}`);
    return DecisionDto.from(d);
  }

  async serverCapabilities(serverId: string): Promise<CapabilitiesDto> {
    const server = await this.servers.getServer(serverId);
    const svc = server.serviceId ? await this.db.getRepository(Service).findOne({ where: { id: server.serviceId } }) : null;
    const [all] = await this.repo.capability({ serverId }, null, 1);
    const perAgent = await this.repo.capability({ serverId }, null, 1, true);
    return capabilitiesDto('server', serverId, svc?.latencyObjectiveMs ?? null, all, perAgent);
  }

  async agentCapabilities(agentId: string, objectiveMs: number): Promise<CapabilitiesDto> {
    const [all] = await this.repo.capability({ agentSelf: agentId }, objectiveMs, 1);
    return capabilitiesDto('agent', agentId, objectiveMs, all, []);
  }
}

/** A reason without its figures ("telemetry stale: newest report 7 s old" and "… 8 s old" are one kind). */
function reasonKind(reason: string): string {
  return reason.replace(/\d+(\.\d+)?/g, '#');
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

export function eventData(d: ScalingDecision, serviceName: string): Record<string, unknown> {
  return {
    decisionId: d.id, serviceName, pool: d.pool, action: d.action, status: d.status, current: d.current, desired: d.desired, delta: d.delta, reason: d.reason,
    serverIds: d.serverIds, agentIds: d.agentIds, outcome: d.outcome, dryRun: d.status === 'dry_run',
  };
}

function capabilitiesDto(kind: 'server' | 'agent', id: string, objectiveMs: number | null, all: { rpsWithinObjective: number | null; inFlightWithinObjective: number | null; intervals: number; intervalsOverObjective: number; rpsAtFirstMiss: number | null } | undefined, perAgent: Array<{ agentId: string | null; rpsWithinObjective: number | null; intervals: number; intervalsOverObjective: number }>): CapabilitiesDto {
  const intervals = all?.intervals ?? 0;
  return {
    kind, id, latencyObjectiveMs: objectiveMs, windowSeconds: 3600,
    rpsWithinObjective: all?.rpsWithinObjective ?? null, inFlightWithinObjective: all?.inFlightWithinObjective ?? null,
    rpsAtFirstMiss: all?.rpsAtFirstMiss ?? null, intervals, intervalsOverObjective: all?.intervalsOverObjective ?? 0,
    confidence: intervals === 0 ? 'none' : intervals < 30 || !all?.intervalsOverObjective ? 'low' : 'high',
    perAgent: perAgent.map((a) => ({ agentId: a.agentId!, rpsWithinObjective: a.rpsWithinObjective, intervals: a.intervals, intervalsOverObjective: a.intervalsOverObjective })),
  };
}
