import { MigrationInterface, QueryRunner } from "typeorm";

export class Telemetry1764400000000 implements MigrationInterface {
    name = 'Telemetry1764400000000'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`CREATE TABLE "telemetry_report" ("agent_id" uuid NOT NULL, "seq" bigint NOT NULL, "interval_start" TIMESTAMP WITH TIME ZONE NOT NULL, "interval_end" TIMESTAMP WITH TIME ZONE NOT NULL, "received_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "backends" integer NOT NULL, CONSTRAINT "PK_9a31505bdbedafc0adfabd09a18" PRIMARY KEY ("agent_id", "seq"))`);
        await queryRunner.query(`CREATE INDEX "IDX_3d9b50cf444e4f34e72d7418a5" ON "telemetry_report"  ("interval_end") `);
        await queryRunner.query(`CREATE TABLE "telemetry_sample" ("agent_id" uuid NOT NULL, "seq" bigint NOT NULL, "server_id" uuid NOT NULL, "service_id" uuid, "at" TIMESTAMP WITH TIME ZONE NOT NULL, "interval_ms" integer NOT NULL, "requests" bigint NOT NULL, "responses1xx" bigint NOT NULL, "responses2xx" bigint NOT NULL, "responses3xx" bigint NOT NULL, "responses4xx" bigint NOT NULL, "responses5xx" bigint NOT NULL, "errors" bigint NOT NULL, "errors_by_cause" jsonb, "in_flight" bigint NOT NULL, "open_connections" bigint NOT NULL, "bytes_in" bigint NOT NULL, "bytes_out" bigint NOT NULL, "latency_count" bigint NOT NULL, "latency_sum_us" bigint NOT NULL, "latency_min_us" bigint NOT NULL, "latency_max_us" bigint NOT NULL, "latency_p50_us" integer NOT NULL, "latency_p90_us" integer NOT NULL, "latency_p99_us" integer NOT NULL, "latency_buckets" text NOT NULL, "healthy" boolean, "draining" boolean, "load" double precision, "load_values" jsonb, "cpu_percent" double precision, "host_cpu_percent" double precision, "memory_rss_bytes" bigint, "event_loop_delay_p99_ms" double precision, CONSTRAINT "PK_da23ffda8c1896fa8be103a7532" PRIMARY KEY ("agent_id", "seq", "server_id"))`);
        await queryRunner.query(`CREATE INDEX "IDX_ea487740a4d8b272226b24cf3f" ON "telemetry_sample"  ("at") `);
        await queryRunner.query(`CREATE INDEX "IDX_1b9e2e362f782d1001542d34ba" ON "telemetry_sample"  ("agent_id", "at") `);
        await queryRunner.query(`CREATE INDEX "IDX_93b881d07f3daf5aaccb99082d" ON "telemetry_sample"  ("server_id", "at") `);
        await queryRunner.query(`CREATE TABLE "telemetry_rollup" ("minute" TIMESTAMP WITH TIME ZONE NOT NULL, "agent_id" uuid NOT NULL, "server_id" uuid NOT NULL, "service_id" uuid, "samples" integer NOT NULL, "requests" bigint NOT NULL, "responses1xx" bigint NOT NULL, "responses2xx" bigint NOT NULL, "responses3xx" bigint NOT NULL, "responses4xx" bigint NOT NULL, "responses5xx" bigint NOT NULL, "errors" bigint NOT NULL, "in_flight_sum" bigint NOT NULL, "in_flight_max" bigint NOT NULL, "open_connections_sum" bigint NOT NULL, "open_connections_max" bigint NOT NULL, "bytes_in" bigint NOT NULL, "bytes_out" bigint NOT NULL, "latency_count" bigint NOT NULL, "latency_sum_us" bigint NOT NULL, "latency_min_us" bigint NOT NULL, "latency_max_us" bigint NOT NULL, "latency_buckets" jsonb NOT NULL, "healthy_samples" integer NOT NULL, "draining_samples" integer NOT NULL, "load_samples" integer NOT NULL, "load_sum" double precision NOT NULL, "load_max" double precision, "cpu_percent_sum" double precision NOT NULL, "cpu_percent_max" double precision, "memory_rss_max_bytes" bigint, "event_loop_delay_p99_max_ms" double precision, CONSTRAINT "PK_c1edd819504a3dc8ff7467de00d" PRIMARY KEY ("minute", "agent_id", "server_id"))`);
        await queryRunner.query(`CREATE INDEX "IDX_5380cf8ce5ebca3e8b9c242cc0" ON "telemetry_rollup"  ("service_id", "minute") `);
        await queryRunner.query(`CREATE INDEX "IDX_17161b5321503fc21211f313fc" ON "telemetry_rollup"  ("server_id", "minute") `);
        // Written by hand: merges two sparse {bucketIndex: count} histograms (libs/codec/src/histogram.ts)
        // by adding counts, so per-minute roll-ups merge in one upsert.
        await queryRunner.query(`CREATE FUNCTION hr_hist_merge(a jsonb, b jsonb) RETURNS jsonb LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
            SELECT coalesce(jsonb_object_agg(k, n), '{}'::jsonb) FROM (
              SELECT k, sum(v::bigint) AS n FROM (
                SELECT key AS k, value AS v FROM jsonb_each_text(coalesce(a, '{}'::jsonb))
                UNION ALL SELECT key, value FROM jsonb_each_text(coalesce(b, '{}'::jsonb))
              ) x GROUP BY k
            ) y $$`);
        await queryRunner.query(`CREATE TABLE "telemetry_backend_state" ("agent_id" uuid NOT NULL, "server_id" uuid NOT NULL, "service_id" uuid NOT NULL, "seq" bigint NOT NULL, "reported_at" TIMESTAMP WITH TIME ZONE NOT NULL, "healthy" boolean NOT NULL, "draining" boolean NOT NULL, "requests" bigint NOT NULL, "in_flight" bigint NOT NULL, "open_connections" bigint NOT NULL, CONSTRAINT "PK_e9a5e8741ca54cbd7465d87da52" PRIMARY KEY ("agent_id", "server_id"))`);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`DROP TABLE "telemetry_backend_state"`);
        await queryRunner.query(`DROP FUNCTION hr_hist_merge(jsonb, jsonb)`);
        await queryRunner.query(`DROP INDEX "public"."IDX_17161b5321503fc21211f313fc"`);
        await queryRunner.query(`DROP INDEX "public"."IDX_5380cf8ce5ebca3e8b9c242cc0"`);
        await queryRunner.query(`DROP TABLE "telemetry_rollup"`);
        await queryRunner.query(`DROP INDEX "public"."IDX_93b881d07f3daf5aaccb99082d"`);
        await queryRunner.query(`DROP INDEX "public"."IDX_1b9e2e362f782d1001542d34ba"`);
        await queryRunner.query(`DROP INDEX "public"."IDX_ea487740a4d8b272226b24cf3f"`);
        await queryRunner.query(`DROP TABLE "telemetry_sample"`);
        await queryRunner.query(`DROP INDEX "public"."IDX_3d9b50cf444e4f34e72d7418a5"`);
        await queryRunner.query(`DROP TABLE "telemetry_report"`);
    }

}
