import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Drops telemetry_backend_state. AgentServiceReports1764900000000 stopped writing it and kept it
 * for one release, so that replicas of the release before, which still upserted into it, kept
 * working during a rolling deploy. No release since reads or writes it.
 *
 * Upgrade order: every replica must run AgentServiceReports1764900000000's release (or later)
 * before this migration runs; a replica older than that fails its telemetry writes.
 */
export class DropBackendState1765100000000 implements MigrationInterface {
    name = 'DropBackendState1765100000000'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`DROP TABLE IF EXISTS "telemetry_backend_state"`);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        // As Telemetry1764400000000 created it, filled from the samples as that release kept it:
        // the newest sample of each (agent, backend).
        await queryRunner.query(`CREATE TABLE "telemetry_backend_state" ("agent_id" uuid NOT NULL, "server_id" uuid NOT NULL, "service_id" uuid NOT NULL, "seq" bigint NOT NULL, "reported_at" TIMESTAMP WITH TIME ZONE NOT NULL, "healthy" boolean NOT NULL, "draining" boolean NOT NULL, "requests" bigint NOT NULL, "in_flight" bigint NOT NULL, "open_connections" bigint NOT NULL, CONSTRAINT "PK_e9a5e8741ca54cbd7465d87da52" PRIMARY KEY ("agent_id", "server_id"))`);
        await queryRunner.query(`INSERT INTO "telemetry_backend_state"
            SELECT DISTINCT ON (agent_id, server_id) agent_id, server_id, service_id, seq, at, healthy, draining, requests, in_flight, open_connections
              FROM "telemetry_sample" WHERE service_id IS NOT NULL ORDER BY agent_id, server_id, seq DESC`);
    }
}
