import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger, OnModuleInit, Optional } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Queue } from 'bullmq';
import { Histogram, register } from 'prom-client';
import { DataSource, EntityManager, In, IsNull } from 'typeorm';
import { AppConfig } from '../../../../libs/common/src/config';
import { ConflictError, NotFoundError } from '../../../../libs/common/src/problem';
import { addExecuteDecision, JobName, QueueName } from '../../../../libs/common/src/queues';
import { Agent, AgentAssignment } from '../agents/agent.entity';
import type { CallContext } from '../auth/principal';
import { ChangeBus } from '../common/change-bus';
import { EventsService } from '../events/events.service';
import { ServersService } from '../inventory/servers.service';
import { Server } from '../inventory/server.entity';
import { Service } from '../inventory/service.entity';
import { eventData } from '../analyser/analyser.service';
import { ScalingDecision } from '../analyser/decision.entity';
import { ScalingPolicy } from '../policies/policy.entity';
import { BackendObservations } from './backend-observations';
import { backendIdsOf, buildDesiredDocuments, digestOf } from './revision-builder';
import { RevisionNotifier } from './revision-notifier';
import { ROLLBACK_REPLACEMENT_TRIGGER, ROLLBACK_REPLACEMENTS_PER_HOUR } from './replacement';
import { ConfigChange, ConfigRevision, TimelineEvent, Update, UpdateAgent } from './update.entity';

const SYSTEM: CallContext = { actor: 'system:updates', requestId: null };
// Any constant; serialises revision builds across replicas for the transaction's duration.
const BUILD_LOCK = 7_302_114_001;

function histogram(name: string, help: string): Histogram {
  const existing = register.getSingleMetric(name);
  if (existing) return existing as Histogram;
  return new Histogram({ name, help, buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60] });
}

const changeToAck = histogram('headroom_update_change_to_ack_seconds', 'Time from an inventory change to the last affected agent acking its revision');
const changeToVerified = histogram('headroom_update_change_to_verified_seconds', 'Time from an inventory change to the update being verified live');

const event = (name: string, detail?: string, agentId?: string): TimelineEvent => ({ at: new Date().toISOString(), event: name, ...(detail ? { detail } : {}), ...(agentId ? { agentId } : {}) });

export interface AckInput {
  version: number;
  status: 'applied' | 'rejected';
  error?: string;
}

@Injectable()
export class UpdatesService implements OnModuleInit {
  private readonly logger = new Logger(UpdatesService.name);

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @InjectQueue(QueueName.Updates) private readonly queue: Queue,
    private readonly bus: ChangeBus,
    private readonly servers: ServersService,
    private readonly notifier: RevisionNotifier,
    private readonly observations: BackendObservations,
    private readonly config: AppConfig,
    @InjectQueue(QueueName.Allocation) private readonly allocation: Queue,
    @Optional() private readonly events?: EventsService,
  ) {}

  onModuleInit(): void {
    this.bus.subscribe((e) => this.requestBuild(e.reason));
  }

  /** Records a change and schedules one build; a burst of changes folds into one revision. */
  async requestBuild(reason: string): Promise<void> {
    await this.db.getRepository(ConfigChange).insert({ reason });
    await this.queue.add(JobName.BuildRevisions, {}, {
      delay: this.config.REVISION_DEBOUNCE_MS,
      // While a build is delayed or waiting, further changes join it; while one runs, one more follows.
      deduplication: { id: 'build-revisions', keepLastIfActive: true },
      // Builds jump the queue ahead of verification checks: propagation latency is what agents feel.
      priority: 1,
      removeOnComplete: true,
      removeOnFail: 100,
    });
  }

  /**
   * Builds a new revision for every agent whose desired document differs from its latest one,
   * and opens an update that tracks them. Idempotent: a second run finds nothing to change.
   */
  async buildRevisions(): Promise<Update | null> {
    const result = await this.db.transaction(async (m) => {
      await m.query('SELECT pg_advisory_xact_lock($1)', [BUILD_LOCK]);
      const changes = await m.getRepository(ConfigChange).find({ where: { processedAt: IsNull() }, order: { id: 'ASC' } });
      const agents = await m.getRepository(Agent).find({ where: { revokedAt: IsNull() } });
      const assignments = new Map<string, string[]>();
      for (const a of await m.getRepository(AgentAssignment).find()) assignments.set(a.agentId, [...(assignments.get(a.agentId) ?? []), a.serviceId]);
      const services = await m.getRepository(Service).find();
      const servers = await m.getRepository(Server).find({ where: { state: In(['allocating', 'allocated', 'draining']) } });
      const desired = buildDesiredDocuments({ agentIds: agents.map((a) => a.id), assignments, services, servers, settings: this.settingsOverride() });
      const latestRows: { agent_id: string; version: number; digest: string; document: ConfigRevision['document'] }[] = await m.query(
        `SELECT DISTINCT ON (agent_id) agent_id, version, digest, document FROM config_revision ORDER BY agent_id, version DESC`,
      );
      const latest = new Map(latestRows.map((r) => [r.agent_id, r]));
      const fresh: { agentId: string; version: number; document: Record<string, unknown>; digest: string; previous: Set<string> }[] = [];
      const now = new Date();
      for (const [agentId, doc] of desired) {
        const digest = digestOf(doc);
        const prev = latest.get(agentId);
        if (prev?.digest === digest) continue;
        const version = (prev?.version ?? 0) + 1;
        fresh.push({ agentId, version, digest, document: { version, generatedAt: now.toISOString(), ...doc }, previous: backendIdsOf(prev?.document as never) });
      }
      const online = new Set(agents.filter((a) => this.isOnline(a)).map((a) => a.id));
      const pendingIds = changes.map((c) => c.id);
      if (!fresh.length) {
        if (pendingIds.length) await m.getRepository(ConfigChange).update({ id: In(pendingIds) }, { processedAt: now });
        await this.confirmUnrouted(m, servers, agents, assignments);
        return null;
      }
      const added = new Set<string>();
      const removed = new Set<string>();
      for (const f of fresh) {
        const ids = backendIdsOf(f.document as never);
        for (const id of ids) if (!f.previous.has(id)) added.add(id);
        for (const id of f.previous) if (!ids.has(id)) removed.add(id);
      }
      const byId = new Map(servers.map((s) => [s.id, s]));
      const reasons = [...new Set(changes.map((c) => c.reason))];
      const update = await m.getRepository(Update).save(m.getRepository(Update).create({
        status: 'verifying',
        reason: reasons.join(', ') || 'reconcile',
        changedAt: changes[0]?.at ?? now,
        deadline: new Date(now.getTime() + this.config.UPDATE_ACK_TIMEOUT_MS),
        addedServerIds: [...added].filter((id) => byId.get(id)?.state === 'allocating'),
        removedServerIds: [...removed].filter((id) => byId.get(id)?.state === 'draining'),
        timeline: [event('created', `revisions for ${fresh.length} agent(s): ${reasons.join(', ') || 'reconcile'}`)],
      }));
      // One multi-row INSERT each: a fleet of agents costs two round trips, not two per agent.
      for (let i = 0; i < fresh.length; i += 500) {
        const chunk = fresh.slice(i, i + 500);
        await m.query(
          `INSERT INTO config_revision (agent_id, version, document, digest, update_id)
           SELECT * FROM unnest($1::uuid[], $2::int[], $3::jsonb[], $4::text[], $5::uuid[])`,
          [chunk.map((f) => f.agentId), chunk.map((f) => f.version), chunk.map((f) => JSON.stringify(f.document)), chunk.map((f) => f.digest), chunk.map(() => update.id)],
        );
        await m.query(
          `INSERT INTO config_update_agent (update_id, agent_id, version, state, error)
           SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::int[], $4::text[], $5::text[])`,
          [chunk.map(() => update.id), chunk.map((f) => f.agentId), chunk.map((f) => f.version), chunk.map((f) => (online.has(f.agentId) ? 'pending' : 'stale')), chunk.map((f) => (online.has(f.agentId) ? null : 'agent offline'))],
        );
      }
      if (pendingIds.length) await m.getRepository(ConfigChange).update({ id: In(pendingIds) }, { processedAt: now, updateId: update.id });
      return { update, agentIds: fresh.map((f) => f.agentId) };
    });
    if (!result) return null;
    await this.notifier.publish(result.agentIds);
    await this.scheduleVerify(result.update.id, 0);
    this.logger.log({ updateId: result.update.id, agents: result.agentIds.length, reason: result.update.reason }, 'revisions built');
    return result.update;
  }

  /** Servers no online agent routes to need no verification: their claims are confirmed, their drains done. */
  private async confirmUnrouted(m: EntityManager, servers: Server[], agents: Agent[], assignments: Map<string, string[]>): Promise<void> {
    const routed = (serviceId: string | null) =>
      agents.some((a) => this.isOnline(a) && (!(assignments.get(a.id)?.length) || assignments.get(a.id)!.includes(serviceId ?? '')));
    for (const s of servers) {
      if (routed(s.serviceId)) continue;
      const locked = await this.servers.lockServer(m, s.id);
      if (locked.state === 'allocating') await this.servers.applyTransition(m, locked, 'allocated', 'no online agent routes to the service', SYSTEM, locked.serviceId);
      else if (locked.state === 'draining') await this.servers.applyTransition(m, locked, 'free', 'drained: no online agent routes to the service', SYSTEM);
    }
  }

  private settingsOverride() {
    return { reportIntervalMs: this.config.AGENT_REPORT_INTERVAL_MS, drainTimeoutMs: this.config.DRAIN_TIMEOUT_SECONDS * 1000 };
  }

  /** Only agents heard from recently take part in an update; stale and offline ones do not hold it up. */
  isOnline(a: Agent): boolean {
    return !!a.lastSeenAt && Date.now() - a.lastSeenAt.getTime() <= this.config.AGENT_ONLINE_SECONDS * 1000;
  }

  async scheduleVerify(updateId: string, delayMs: number, round = 0): Promise<void> {
    await this.queue.add(JobName.VerifyUpdate, { updateId, round }, {
      delay: delayMs,
      deduplication: { id: `verify-${updateId}`, keepLastIfActive: true },
      priority: 10,
      removeOnComplete: true,
      removeOnFail: 100,
    });
  }

  /** The revision an agent should get after `after`, skipping one it rejected. */
  async nextRevision(agentId: string, after: number): Promise<ConfigRevision | null> {
    // One round trip: the agent's row and its newest revision, skipping one it rejected (never re-sent:
    // the agent stays on its last good revision until a newer one exists).
    const rows: { revoked: boolean; rejected_version: number | null; id: string | null; version: number | null; document: Record<string, unknown> | null; created_at: Date | null; update_id: string | null; digest: string | null }[] = await this.db.query(
      `SELECT a.revoked_at IS NOT NULL AS revoked, a.rejected_version, r.id, r.version, r.created_at, r.update_id, r.digest,
              CASE WHEN r.version > $2 AND r.version > coalesce(a.rejected_version, 0) THEN r.document END AS document
         FROM agent a
         LEFT JOIN LATERAL (SELECT * FROM config_revision WHERE agent_id = a.id ORDER BY version DESC LIMIT 1) r ON true
        WHERE a.id = $1`,
      [agentId, after],
    );
    if (!rows.length || rows[0].revoked) throw new NotFoundError('Agent', agentId);
    const r = rows[0];
    if (!r.id || r.version === null || !r.document) return null;
    return Object.assign(new ConfigRevision(), { id: r.id, agentId, version: r.version, document: r.document, digest: r.digest, updateId: r.update_id, createdAt: r.created_at });
  }

  /** Long poll: answers as soon as a newer revision exists, or null when the wait ends. */
  async waitForRevision(agentId: string, after: number, waitMs: number): Promise<ConfigRevision | null> {
    const first = await this.nextRevision(agentId, after);
    if (first) return first;
    if (!(await this.db.getRepository(ConfigRevision).existsBy({ agentId }))) await this.requestBuild('agent first poll');
    const deadline = Date.now() + waitMs;
    while (Date.now() < deadline) {
      const w = this.notifier.watch(agentId, deadline - Date.now());
      const rev = await this.nextRevision(agentId, after).catch((err) => {
        w.cancel();
        throw err;
      });
      if (rev) {
        w.cancel();
        return rev;
      }
      if (!(await w.woken)) return null;
    }
    return this.nextRevision(agentId, after);
  }

  async getRevision(agentId: string, version?: number): Promise<ConfigRevision> {
    const rev = await this.db.getRepository(ConfigRevision).findOne({ where: version === undefined ? { agentId } : { agentId, version }, order: { version: 'DESC' } });
    if (!rev) throw new NotFoundError('Configuration revision', `${agentId}${version === undefined ? '' : `@${version}`}`);
    return rev;
  }

  /** Records an agent's ack or nack. Idempotent; stale acks never move an agent backwards. */
  async recordAck(agentId: string, ack: AckInput): Promise<{ updateIds: string[] }> {
    // A few set-based statements and no lock on the update rows: hundreds of agents ack at once.
    // One statement per ack (no explicit transaction, no lock on the update rows): a fleet of
    // agents acks the same revision within milliseconds of each other.
    const live = `EXISTS (SELECT 1 FROM agent WHERE id = $1 AND revoked_at IS NULL) AND EXISTS (SELECT 1 FROM config_revision WHERE agent_id = $1 AND version = $2)`;
    const sql =
      ack.status === 'applied'
        ? `WITH ok AS (SELECT ${live} AS ok),
                agent_row AS (UPDATE agent SET applied_version = $2, applied_at = now()
                               WHERE id = $1 AND (SELECT ok FROM ok) AND (applied_version IS NULL OR applied_version < $2) RETURNING 1),
                rows AS (UPDATE config_update_agent SET state = 'acked', acked_at = now(), error = NULL
                          WHERE agent_id = $1 AND version <= $2 AND state IN ('pending', 'stale') AND (SELECT ok FROM ok) RETURNING update_id)
           SELECT (SELECT ok FROM ok) AS ok, EXISTS (SELECT 1 FROM agent WHERE id = $1 AND revoked_at IS NULL) AS agent_ok,
                  coalesce((SELECT array_agg(update_id) FROM rows), '{}') AS update_ids`
        : `WITH ok AS (SELECT ${live} AS ok),
                agent_row AS (UPDATE agent SET rejected_version = greatest(coalesce(rejected_version, 0), $2), rejected_error = $3
                               WHERE id = $1 AND (SELECT ok FROM ok) RETURNING 1),
                rows AS (UPDATE config_update_agent SET state = 'rejected', error = $3
                          WHERE agent_id = $1 AND version = $2 AND state <> 'rejected' AND (SELECT ok FROM ok) RETURNING update_id)
           SELECT (SELECT ok FROM ok) AS ok, EXISTS (SELECT 1 FROM agent WHERE id = $1 AND revoked_at IS NULL) AS agent_ok,
                  coalesce((SELECT array_agg(update_id) FROM rows), '{}') AS update_ids`;
    const error = (ack.error ?? 'rejected without a reason').slice(0, 2000);
    const [row]: { ok: boolean; agent_ok: boolean; update_ids: string[] }[] = await this.db.query(sql, ack.status === 'applied' ? [agentId, ack.version] : [agentId, ack.version, error]);
    if (!row.agent_ok) throw new NotFoundError('Agent', agentId);
    if (!row.ok) throw new ConflictError('unknown-revision', 'Unknown revision', `agent ${agentId} has no revision ${ack.version}`, { field: 'version' });
    const updateIds = row.update_ids;
    for (const id of updateIds) this.verifySoon(id);
    return { updateIds };
  }

  private readonly verifyQueue = new Set<string>();
  private verifyTimer?: NodeJS.Timeout;

  /** Coalesces the verification of updates touched by a storm of acks into one job each. */
  private verifySoon(updateId: string): void {
    this.verifyQueue.add(updateId);
    this.verifyTimer ??= setTimeout(() => {
      const ids = [...this.verifyQueue];
      this.verifyQueue.clear();
      this.verifyTimer = undefined;
      for (const id of ids) void this.scheduleVerify(id, 0).catch((err) => this.logger.warn({ err, updateId: id }, 'could not schedule verification'));
    }, 50);
  }

  /**
   * Moves an update forward: stale agents are set aside, acked ones verified against their
   * reports; a rejection or a final timeout rolls back. Returns true when the update is over.
   */
  async evaluateUpdate(updateId: string): Promise<boolean> {
    let rollbackReason: string | null = null;
    let replacements: string[] = [];
    let republish: string[] = [];
    const done = await this.db.transaction(async (m) => {
      const update = await m.getRepository(Update).findOne({ where: { id: updateId }, lock: { mode: 'pessimistic_write' } });
      if (!update) return true;
      if (['succeeded', 'rolled_back', 'failed'].includes(update.status)) return true;
      const rows = await m.getRepository(UpdateAgent).find({ where: { updateId } });
      const agents = new Map((await m.getRepository(Agent).findBy({ id: In(rows.map((r) => r.agentId)) })).map((a) => [a.id, a]));
      const now = new Date();
      const timeline: TimelineEvent[] = [];
      const acked: UpdateAgent[] = [];
      for (const r of rows) {
        const agent = agents.get(r.agentId);
        if ((r.state === 'pending' || r.state === 'acked') && (!agent || agent.revokedAt || !this.isOnline(agent))) {
          r.state = 'stale';
          r.error = 'agent offline';
          timeline.push(event('stale', 'agent offline', r.agentId));
          await m.getRepository(UpdateAgent).save(r);
          continue;
        }
        if (r.state === 'acked') acked.push(r);
      }
      const verified = await this.verifiedAmong(m, acked, update);
      if (verified.length) {
        await m.query(`UPDATE config_update_agent SET state = 'verified', verified_at = $3 WHERE update_id = $1 AND agent_id = ANY($2::uuid[])`, [update.id, verified.map((r) => r.agentId), now]);
        for (const r of verified) {
          r.state = 'verified';
          r.verifiedAt = now;
        }
      }
      const rejected = rows.find((r) => r.state === 'rejected');
      if (rejected) {
        rollbackReason = `agent ${rejected.agentId} rejected revision ${rejected.version}: ${rejected.error ?? 'no reason given'}`;
      } else if (rows.every((r) => r.state === 'verified' || r.state === 'stale')) {
        await this.succeed(m, update, rows, timeline);
        return true;
      } else if (now >= update.deadline) {
        const waiting = rows.filter((r) => r.state === 'pending' || r.state === 'acked');
        const what = waiting.map((r) => `${r.agentId} (${r.state === 'pending' ? 'no ack' : 'not verified'})`).join(', ');
        if (update.attempt < this.config.UPDATE_MAX_ATTEMPTS) {
          update.attempt += 1;
          update.status = 'retrying';
          update.deadline = new Date(now.getTime() + this.config.UPDATE_ACK_TIMEOUT_MS * 2 ** (update.attempt - 1));
          timeline.push(event('retry', `attempt ${update.attempt}: still waiting for ${what}`));
          republish = waiting.map((r) => r.agentId);
        } else if (waiting.every((r) => r.state === 'pending')) {
          // Agents that never answered are at fault, not the servers: set them aside as stale.
          for (const r of waiting) {
            r.state = 'stale';
            r.error = 'no ack before the deadline';
            timeline.push(event('stale', r.error, r.agentId));
            await m.getRepository(UpdateAgent).save(r);
          }
          await this.succeed(m, update, rows, timeline);
          return true;
        } else {
          rollbackReason = `timed out after ${update.attempt} attempt(s) waiting for ${what}`;
        }
      }
      if (rollbackReason) {
        replacements = await this.rollback(m, update, rollbackReason, timeline);
        return true;
      }
      if (timeline.length) {
        update.timeline = [...update.timeline, ...timeline];
        await m.getRepository(Update).save(update);
      }
      return false;
    });
    if (republish.length) await this.notifier.publish(republish);
    if (rollbackReason) await this.requestBuild('rollback');
    for (const decisionId of replacements) {
      try {
        await addExecuteDecision(this.allocation, decisionId, null);
      } catch (err) {
        // The decision is committed; the analyser's reconciler re-queues pending decisions.
        this.logger.warn({ err, decisionId }, 'could not enqueue replacement decision');
      }
    }
    return done;
  }

  /** The acked agents whose reports show this update's new backends healthy and removed ones drained. */
  private async verifiedAmong(m: EntityManager, acked: UpdateAgent[], update: Update): Promise<UpdateAgent[]> {
    if (!acked.length) return [];
    if (!update.addedServerIds.length && !update.removedServerIds.length) return acked;
    const revisions: { agent_id: string; document: { services: { backends: { id: string }[] }[] } }[] = await m.query(
      `SELECT agent_id, document FROM config_revision WHERE update_id = $1 AND agent_id = ANY($2::uuid[])`,
      [update.id, acked.map((r) => r.agentId)],
    );
    const docs = new Map(revisions.map((r) => [r.agent_id, backendIdsOf(r.document)]));
    const needs = new Map<string, { healthy: string[]; drained: string[] }>();
    const out: UpdateAgent[] = [];
    for (const r of acked) {
      const ids = docs.get(r.agentId) ?? new Set<string>();
      const healthy = update.addedServerIds.filter((id) => ids.has(id));
      const drained = update.removedServerIds.filter((id) => !ids.has(id));
      if (!healthy.length && !drained.length) out.push(r);
      else if (r.ackedAt) needs.set(r.agentId, { healthy, drained });
    }
    const seen = await this.observations.reportedSinceMany(new Map(acked.filter((r) => needs.has(r.agentId)).map((r) => [r.agentId, r.ackedAt!])));
    for (const r of acked) {
      const need = needs.get(r.agentId);
      const obs = seen.get(r.agentId);
      if (!need || !obs) continue;
      if (need.healthy.every((id) => obs.get(id)?.healthy === true) && need.drained.every((id) => !obs.has(id) || obs.get(id)!.drained)) out.push(r);
    }
    return out;
  }

  private async succeed(m: EntityManager, update: Update, rows: UpdateAgent[], timeline: TimelineEvent[]): Promise<void> {
    for (const id of update.addedServerIds) {
      const s = await m.getRepository(Server).findOne({ where: { id }, lock: { mode: 'pessimistic_write' } });
      if (s?.state === 'allocating') await this.servers.applyTransition(m, s, 'allocated', `verified by update ${update.id}`, SYSTEM, s.serviceId);
    }
    for (const id of update.removedServerIds) {
      const s = await m.getRepository(Server).findOne({ where: { id }, lock: { mode: 'pessimistic_write' } });
      if (s?.state === 'draining') await this.servers.applyTransition(m, s, 'free', `drained, verified by update ${update.id}`, SYSTEM);
    }
    const now = new Date();
    update.status = 'succeeded';
    update.finishedAt = now;
    update.timeline = [...update.timeline, ...timeline, event('succeeded')];
    await m.getRepository(Update).save(update);
    await this.events?.record('update.succeeded', { updateId: update.id, reason: update.reason, addedServerIds: update.addedServerIds, removedServerIds: update.removedServerIds }, null, m);
    const acked = rows.filter((r) => r.ackedAt).map((r) => r.ackedAt!.getTime());
    if (acked.length) changeToAck.observe((Math.max(...acked) - update.changedAt.getTime()) / 1000);
    changeToVerified.observe((now.getTime() - update.changedAt.getTime()) / 1000);
  }

  /**
   * Restores the previous allocation: new servers are quarantined; a corrective revision follows.
   * Each service that lost servers gets a replacement decision for as many (returned, to be queued
   * after commit), unless it already had ROLLBACK_REPLACEMENTS_PER_HOUR of them this hour.
   */
  private async rollback(m: EntityManager, update: Update, reason: string, timeline: TimelineEvent[]): Promise<string[]> {
    const lost = new Map<string, Server[]>();
    for (const id of update.addedServerIds) {
      const s = await m.getRepository(Server).findOne({ where: { id }, lock: { mode: 'pessimistic_write' } });
      if (s && (s.state === 'allocating' || s.state === 'allocated')) {
        const serviceId = s.serviceId;
        await this.servers.applyTransition(m, s, 'quarantined', `update ${update.id} rolled back: ${reason}`.slice(0, 500), SYSTEM);
        timeline.push(event('quarantined', `server ${s.name}`));
        if (serviceId) lost.set(serviceId, [...(lost.get(serviceId) ?? []), s]);
      }
    }
    const decisions: ScalingDecision[] = [];
    for (const [serviceId, quarantined] of lost) {
      const d = await this.openReplacement(m, serviceId, quarantined, update, reason);
      if (!d) continue;
      decisions.push(d);
      timeline.push(event('replacement', `decision ${d.id} (${d.status}): ${d.outcome ?? d.reason}`.slice(0, 500)));
    }
    update.status = 'rolled_back';
    update.error = reason;
    update.finishedAt = new Date();
    update.timeline = [...update.timeline, ...timeline, event('rolled_back', reason)];
    await m.getRepository(Update).save(update);
    await this.events?.record('update.rolled_back', { updateId: update.id, error: reason, addedServerIds: update.addedServerIds, removedServerIds: update.removedServerIds, replacementDecisionIds: decisions.map((d) => d.id) }, null, m);
    this.logger.warn({ updateId: update.id, reason, replacements: decisions.map((d) => ({ id: d.id, status: d.status })) }, 'update rolled back');
    return decisions.filter((d) => d.status === 'pending').map((d) => d.id);
  }

  /**
   * A `replace` decision for servers a rollback quarantined: pending, for the allocation queue to
   * claim as many free servers (the live policy's selector and zone spread, most capable first);
   * or, past the hourly limit, recorded unfulfilled at once.
   */
  private async openReplacement(m: EntityManager, serviceId: string, quarantined: Server[], update: Update, reason: string): Promise<ScalingDecision | null> {
    const svc = await m.getRepository(Service).findOne({ where: { id: serviceId } });
    if (!svc) return null;
    const policy = await m.getRepository(ScalingPolicy).findOne({ where: { serviceId, role: 'live', pool: 'servers' } });
    const current = await m.getRepository(Server).count({ where: { serviceId, state: In(['allocating', 'allocated']) } });
    const [{ n }]: { n: number }[] = await m.query(
      `SELECT count(*)::int AS n FROM scaling_decision
        WHERE service_id = $1 AND action = 'replace' AND evidence->>'trigger' = $2 AND evidence->>'limited' IS NULL
          AND created_at > now() - interval '1 hour'`,
      [serviceId, ROLLBACK_REPLACEMENT_TRIGGER],
    );
    const names = quarantined.map((s) => s.name).join(', ');
    const limited = n >= ROLLBACK_REPLACEMENTS_PER_HOUR;
    const now = new Date();
    const d = m.getRepository(ScalingDecision).create({
      serviceId, policyId: policy?.id ?? null, pool: 'servers', action: 'replace', status: limited ? 'unfulfilled' : 'pending',
      current, recommended: null, desired: current + quarantined.length, delta: quarantined.length,
      reason: `server(s) ${names} quarantined: update ${update.id} failed verification (${reason})`.slice(0, 1000),
      shadow: null, serverIds: quarantined.map((s) => s.id), agentIds: [],
      outcome: limited ? `not replaced: ${n} replacement(s) after failed updates for this service in the last hour (limit ${ROLLBACK_REPLACEMENTS_PER_HOUR})` : null,
      executedAt: limited ? now : null,
      evidence: {
        pool: 'servers', trigger: ROLLBACK_REPLACEMENT_TRIGGER, updateId: update.id, updateError: reason,
        quarantined: quarantined.map((s) => ({ id: s.id, name: s.name, zone: s.zone })),
        replacementsLastHour: n, limitPerHour: ROLLBACK_REPLACEMENTS_PER_HOUR, ...(limited ? { limited: true } : {}),
        formula: `replace ${quarantined.length}`,
      },
    });
    const saved = await m.getRepository(ScalingDecision).save(d);
    await this.events?.record(limited ? 'decision.unfulfilled' : 'decision.replace', eventData(saved, svc.name), serviceId, m);
    return saved;
  }

  listUpdates(limit: number, status?: string): Promise<Update[]> {
    return this.db.getRepository(Update).find({ where: status ? { status: status as Update['status'] } : {}, order: { createdAt: 'DESC' }, take: limit });
  }

  async getUpdate(id: string): Promise<{ update: Update; agents: UpdateAgent[] }> {
    const update = await this.db.getRepository(Update).findOne({ where: { id } });
    if (!update) throw new NotFoundError('Update', id);
    return { update, agents: await this.db.getRepository(UpdateAgent).find({ where: { updateId: id }, order: { agentId: 'ASC' } }) };
  }

  async agentsOf(updateIds: string[]): Promise<Map<string, UpdateAgent[]>> {
    const map = new Map<string, UpdateAgent[]>();
    if (!updateIds.length) return map;
    for (const r of await this.db.getRepository(UpdateAgent).find({ where: { updateId: In(updateIds) } })) map.set(r.updateId, [...(map.get(r.updateId) ?? []), r]);
    return map;
  }

  /** Per agent: the revision it runs, the newest one, how far behind and since when. */
  async convergence(agentIds: string[]): Promise<Map<string, { latestVersion: number | null; behindSince: Date | null }>> {
    const out = new Map<string, { latestVersion: number | null; behindSince: Date | null }>();
    if (!agentIds.length) return out;
    const rows: { agent_id: string; latest: number; behind_since: Date | null }[] = await this.db.query(
      `SELECT r.agent_id, max(r.version) AS latest,
              min(r.created_at) FILTER (WHERE r.version > coalesce(a.applied_version, 0)) AS behind_since
         FROM config_revision r JOIN agent a ON a.id = r.agent_id
        WHERE r.agent_id = ANY($1::uuid[]) GROUP BY r.agent_id`,
      [agentIds],
    );
    for (const r of rows) out.set(r.agent_id, { latestVersion: Number(r.latest), behindSince: r.behind_since });
    return out;
  }
}
