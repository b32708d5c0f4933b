import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { BackendObservation, BackendObservations } from './backend-observations';

/**
 * Reads the telemetry module's stored reports: the newest report an agent measured after
 * `since`. A backend present in it is healthy or draining as reported; a backend absent from it
 * has been drained and forgotten by the agent.
 */
@Injectable()
export class ReportObservations extends BackendObservations {
  constructor(@InjectDataSource() private readonly db: DataSource) {
    super();
  }

  async reportedSince(agentId: string, since: Date): Promise<Map<string, BackendObservation> | null> {
    const latest: { seq: string }[] = await this.db.query(
      `SELECT seq FROM telemetry_report WHERE agent_id = $1 AND interval_end > $2 ORDER BY seq DESC LIMIT 1`,
      [agentId, since],
    );
    if (!latest.length) return null;
    const rows: { server_id: string; healthy: boolean | null; draining: boolean | null }[] = await this.db.query(
      `SELECT server_id, healthy, draining FROM telemetry_sample WHERE agent_id = $1 AND seq = $2`,
      [agentId, latest[0].seq],
    );
    return new Map(rows.map((r) => [r.server_id, { healthy: r.healthy === true, draining: r.draining === true, drained: false }]));
  }

  async reportedSinceMany(since: Map<string, Date>): Promise<Map<string, Map<string, BackendObservation>>> {
    const out = new Map<string, Map<string, BackendObservation>>();
    if (!since.size) return out;
    const rows: { agent_id: string; server_id: string | null; healthy: boolean | null; draining: boolean | null }[] = await this.db.query(
      `WITH latest AS (
         SELECT DISTINCT ON (r.agent_id) r.agent_id, r.seq
           FROM telemetry_report r
           JOIN unnest($1::uuid[], $2::timestamptz[]) AS x(agent_id, since) ON r.agent_id = x.agent_id AND r.interval_end > x.since
          ORDER BY r.agent_id, r.seq DESC)
       SELECT l.agent_id, s.server_id, s.healthy, s.draining
         FROM latest l LEFT JOIN telemetry_sample s ON s.agent_id = l.agent_id AND s.seq = l.seq`,
      [[...since.keys()], [...since.values()]],
    );
    for (const r of rows) {
      const m = out.get(r.agent_id) ?? new Map<string, BackendObservation>();
      out.set(r.agent_id, m);
      if (r.server_id) m.set(r.server_id, { healthy: r.healthy === true, draining: r.draining === true, drained: false });
    }
    return out;
  }
}
