import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The analyser reads a service's samples of its evaluation window (every second per service
 * with a policy). With only the `at` index, that read walked every service's samples in the
 * window and filtered; with (service_id, at) it reads the service's own. It costs ingest one
 * more index entry per sample.
 */
export class SampleServiceIndex1765000000000 implements MigrationInterface {
    name = 'SampleServiceIndex1765000000000'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`CREATE INDEX "IDX_telemetry_sample_service_at" ON "telemetry_sample" ("service_id", "at")`);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`DROP INDEX "IDX_telemetry_sample_service_at"`);
    }
}
