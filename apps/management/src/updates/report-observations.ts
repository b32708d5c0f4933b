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
}
