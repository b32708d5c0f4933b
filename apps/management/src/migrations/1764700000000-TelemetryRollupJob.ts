import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Roll-ups move off the ingest path: a scheduled job computes each closed minute from the raw
 * samples. telemetry_rollup_progress holds how far it got; the index on received_at finds the
 * minutes late reports touched. Roll-ups written by ingest before this migration are complete
 * for the minutes before it, so the job starts at the current minute.
 */
export class TelemetryRollupJob1764700000000 implements MigrationInterface {
    name = 'TelemetryRollupJob1764700000000'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`CREATE TABLE "telemetry_rollup_progress" ("id" smallint NOT NULL, "rolled_up_to" TIMESTAMP WITH TIME ZONE NOT NULL, "last_run_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "PK_telemetry_rollup_progress" PRIMARY KEY ("id"), CONSTRAINT "CHK_telemetry_rollup_progress_one_row" CHECK (id = 1))`);
        await queryRunner.query(`INSERT INTO "telemetry_rollup_progress" (id, rolled_up_to, last_run_at) VALUES (1, date_trunc('minute', now()), now())`);
        await queryRunner.query(`CREATE INDEX "IDX_telemetry_report_received_at" ON "telemetry_report" ("received_at") `);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`DROP INDEX "public"."IDX_telemetry_report_received_at"`);
        await queryRunner.query(`DROP TABLE "telemetry_rollup_progress"`);
    }
}
