import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Server } from '../inventory/server.entity';
import type { ServerSelector } from '../policies/policy.entity';

/** The allocation module's SQL: free-server claims and the latest reported health. */
@Injectable()
export class ClaimRepository {
  /**
   * Locks up to `limit` free servers matching the selector, skipping rows other transactions
   * hold (FOR UPDATE SKIP LOCKED), so concurrent scale-outs never take the same server.
   */
  async lockFreeCandidates(m: EntityManager, selector: ServerSelector | null, limit: number): Promise<Server[]> {
    const qb = m.getRepository(Server).createQueryBuilder('s').where(`s.state = 'free'`).andWhere('s.serviceId IS NULL');
    if (selector?.labels && Object.keys(selector.labels).length) qb.andWhere('s.labels @> :labels::jsonb', { labels: JSON.stringify(selector.labels) });
    if (selector?.zones?.length) qb.andWhere('s.zone IN (:...zones)', { zones: selector.zones });
    return qb.orderBy('s.registeredAt', 'ASC').addOrderBy('s.id', 'ASC').setLock('pessimistic_write').setOnLocked('skip_locked').limit(limit).getMany();
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
