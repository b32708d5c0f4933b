import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Server } from '../inventory/server.entity';
import type { ServerSelector } from '../policies/policy.entity';

/** A free agent as a scale-out candidate. */
export interface FreeAgent {
  id: string;
  name: string;
  address: string | null;
  lastSeenAt: Date;
  enrolledAt: Date;
}

/** The allocation module's SQL: free-server and free-agent claims, the latest reported health. */
@Injectable()
export class ClaimRepository {
  /**
   * Every free server matching the selector (unlocked, oldest first, at most `limit`), for ranking
   * before the claim: capability and zones are weighed across the whole matching pool.
   */
  async freeCandidates(m: EntityManager, selector: ServerSelector | null, limit: number): Promise<Server[]> {
    return this.freeQuery(m, selector).orderBy('s.registeredAt', 'ASC').addOrderBy('s.id', 'ASC').limit(limit).getMany();
  }

  /**
   * Locks these servers if still free (FOR UPDATE SKIP LOCKED, re-checking the state under the
   * lock): the ones another transaction holds or took meanwhile are left out.
   */
  async lockIfFree(m: EntityManager, ids: string[]): Promise<Server[]> {
    if (!ids.length) return [];
    return m.getRepository(Server).createQueryBuilder('s').where(`s.state = 'free'`).andWhere('s.serviceId IS NULL').andWhere('s.id IN (:...ids)', { ids })
      .orderBy('s.id').setLock('pessimistic_write').setOnLocked('skip_locked').getMany();
  }

  private freeQuery(m: EntityManager, selector: ServerSelector | null) {
    const qb = m.getRepository(Server).createQueryBuilder('s').where(`s.state = 'free'`).andWhere('s.serviceId IS NULL');
    if (selector?.labels && Object.keys(selector.labels).length) qb.andWhere('s.labels @> :labels::jsonb', { labels: JSON.stringify(selector.labels) });
    if (selector?.zones?.length) qb.andWhere('s.zone IN (:...zones)', { zones: selector.zones });
    return qb;
  }

  /**
   * Locks up to `limit` free agents: enrolled, not revoked, seen within `onlineSeconds`, assigned
   * to no service. Rows another transaction holds are skipped (SKIP LOCKED); a second statement
   * (its own snapshot under READ COMMITTED) then drops any agent a transaction that held the lock
   * assigned before committing, since an assignment is a row of its own and does not touch the
   * agent row the first statement re-checks.
   */
  async lockFreeAgents(m: EntityManager, onlineSeconds: number, limit: number): Promise<FreeAgent[]> {
    const locked: Array<Record<string, unknown>> = await m.query(
      `SELECT a.id FROM agent a
        WHERE a.revoked_at IS NULL AND a.last_seen_at > now() - make_interval(secs => $1)
          AND NOT EXISTS (SELECT 1 FROM agent_assignment x WHERE x.agent_id = a.id)
        ORDER BY a.enrolled_at, a.id
        LIMIT $2 FOR UPDATE OF a SKIP LOCKED`,
      [onlineSeconds, limit],
    );
    if (!locked.length) return [];
    const rows: Array<Record<string, unknown>> = await m.query(
      `SELECT a.id, a.name, a.address, a.last_seen_at, a.enrolled_at FROM agent a
        WHERE a.id = ANY($1::uuid[]) AND NOT EXISTS (SELECT 1 FROM agent_assignment x WHERE x.agent_id = a.id)
        ORDER BY a.enrolled_at, a.id`,
      [locked.map((r) => String(r.id))],
    );
    return rows.map((r) => ({ id: String(r.id), name: String(r.name), address: (r.address as string | null) ?? null, lastSeenAt: r.last_seen_at as Date, enrolledAt: r.enrolled_at as Date }));
  }

  /** Each backend of the service: false when the newest report of any agent says unhealthy. */
  async latestHealth(m: EntityManager, serviceId: string): Promise<Map<string, boolean>> {
    const rows: { server_id: string; healthy: boolean }[] = await m.query(
      `SELECT server_id, bool_and(healthy) AS healthy FROM (
         SELECT DISTINCT ON (agent_id, server_id) server_id, healthy FROM telemetry_sample
          WHERE service_id = $1 AND at > now() - interval '30 seconds' ORDER BY agent_id, server_id, at DESC) t
        GROUP BY server_id`,
      [serviceId],
    );
    return new Map(rows.map((r) => [r.server_id, r.healthy !== false]));
  }
}
