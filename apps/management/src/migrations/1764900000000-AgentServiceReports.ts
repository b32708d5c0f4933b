import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * telemetry_backend_state (one row per agent and backend, upserted by every report: 20 rows for
 * an agent with 20 backends, about a third of the database's work per report) is no longer
 * written (kept for the previous release's replicas during a rolling deploy) and gives way to
 * telemetry_agent_service: one row per agent and service, the newest report of that service.
 * The analyser only ever needed that; GET /v1/agents/{id}/backend-states now reads the agent's
 * newest samples, which hold the same fields.
 */
export class AgentServiceReports1764900000000 implements MigrationInterface {
    name = 'AgentServiceReports1764900000000'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`CREATE TABLE "telemetry_agent_service" ("agent_id" uuid NOT NULL, "service_id" uuid NOT NULL, "seq" bigint NOT NULL, "reported_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "PK_telemetry_agent_service" PRIMARY KEY ("agent_id", "service_id"))`);
        await queryRunner.query(`CREATE INDEX "IDX_telemetry_agent_service_service" ON "telemetry_agent_service" ("service_id", "reported_at")`);
        await queryRunner.query(`INSERT INTO "telemetry_agent_service" (agent_id, service_id, seq, reported_at)
            SELECT agent_id, service_id, max(seq), max(reported_at) FROM "telemetry_backend_state" GROUP BY agent_id, service_id`);
        // Kept, no longer written: replicas of the previous release still upsert into it during a
        // rolling deploy. A later release drops it.
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        // Bring the kept table up to date from the samples (it was not written since up).
        await queryRunner.query(`INSERT INTO "telemetry_backend_state" AS b
            SELECT DISTINCT ON (agent_id, server_id) agent_id, server_id, service_id, seq, at, healthy, draining, requests, in_flight, open_connections
              FROM "telemetry_sample" WHERE service_id IS NOT NULL ORDER BY agent_id, server_id, seq DESC
            ON CONFLICT (agent_id, server_id) DO UPDATE SET service_id = EXCLUDED.service_id, seq = EXCLUDED.seq, reported_at = EXCLUDED.reported_at,
              healthy = EXCLUDED.healthy, draining = EXCLUDED.draining, requests = EXCLUDED.requests, in_flight = EXCLUDED.in_flight, open_connections = EXCLUDED.open_connections
            WHERE b.seq < EXCLUDED.seq`);
        await queryRunner.query(`DROP TABLE "telemetry_agent_service"`);
    }
}
