import { MigrationInterface, QueryRunner } from 'typeorm';

export class Scaling1764500000000 implements MigrationInterface {
    name = 'Scaling1764500000000'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`CREATE TABLE "scaling_decision" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "service_id" uuid NOT NULL, "policy_id" uuid, "created_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), "action" text NOT NULL, "status" text NOT NULL, "current" integer NOT NULL, "recommended" integer, "desired" integer NOT NULL, "delta" integer NOT NULL, "reason" text NOT NULL, "evidence" jsonb NOT NULL, "shadow" jsonb, "server_ids" jsonb NOT NULL DEFAULT '[]', "outcome" text, "executed_at" TIMESTAMP(3) WITH TIME ZONE, CONSTRAINT "PK_f2c3af0c13bae65b5ebe902801c" PRIMARY KEY ("id"))`);
        await queryRunner.query(`CREATE INDEX "scaling_decision_pending_idx" ON "scaling_decision"  ("service_id") WHERE status = 'pending'`);
        await queryRunner.query(`CREATE INDEX "IDX_49004156d0235fc092ad32c675" ON "scaling_decision"  ("service_id", "created_at") `);
        await queryRunner.query(`CREATE TABLE "event" ("id" BIGSERIAL NOT NULL, "at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), "type" text NOT NULL, "service_id" uuid, "data" jsonb NOT NULL, CONSTRAINT "PK_30c2f3bbaf6d34a55f8ae6e4614" PRIMARY KEY ("id"))`);
        await queryRunner.query(`CREATE INDEX "IDX_569863f658353af4ecc774baaf" ON "event"  ("at") `);
        await queryRunner.query(`CREATE INDEX "IDX_df0e9f80b46554bebae8cef97c" ON "event"  ("service_id") `);
        await queryRunner.query(`CREATE TABLE "webhook_subscription" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "url" text NOT NULL, "secret" text NOT NULL, "types" jsonb NOT NULL DEFAULT '[]', "service_id" uuid, "enabled" boolean NOT NULL DEFAULT true, "created_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), "last_delivery_at" TIMESTAMP(3) WITH TIME ZONE, "last_status" integer, "last_error" text, CONSTRAINT "PK_b52cb4811c5ada4f42896c37ba8" PRIMARY KEY ("id"))`);
        await queryRunner.query(`CREATE TABLE "scaling_policy" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "service_id" uuid NOT NULL, "role" text NOT NULL DEFAULT 'live', "type" text NOT NULL, "metric" text NOT NULL, "target" double precision, "scale_out" jsonb, "scale_in" jsonb, "tolerance" double precision NOT NULL DEFAULT '0.1', "min_servers" integer, "max_servers" integer, "scale_out_stabilization_seconds" integer NOT NULL DEFAULT '0', "scale_in_stabilization_seconds" integer NOT NULL DEFAULT '300', "cooldown_seconds" integer NOT NULL DEFAULT '10', "max_add_per_minute" integer, "flap_budget_per_hour" integer DEFAULT '30', "evaluation_window_seconds" integer NOT NULL DEFAULT '30', "dry_run" boolean NOT NULL DEFAULT false, "selector" jsonb, "spread_zones" boolean NOT NULL DEFAULT true, "replace_unhealthy_after_seconds" integer DEFAULT '60', "created_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_71ab9add9a08cd45a6830da1ae1" PRIMARY KEY ("id"))`);
        await queryRunner.query(`CREATE UNIQUE INDEX "scaling_policy_service_role_uq" ON "scaling_policy"  ("service_id", "role") `);
        await queryRunner.query(`ALTER TABLE "scaling_policy" ADD CONSTRAINT "FK_767f70763928458abfcd9829c54" FOREIGN KEY ("service_id") REFERENCES "service"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`ALTER TABLE "scaling_policy" DROP CONSTRAINT "FK_767f70763928458abfcd9829c54"`);
        await queryRunner.query(`DROP INDEX "public"."scaling_policy_service_role_uq"`);
        await queryRunner.query(`DROP TABLE "scaling_policy"`);
        await queryRunner.query(`DROP TABLE "webhook_subscription"`);
        await queryRunner.query(`DROP INDEX "public"."IDX_df0e9f80b46554bebae8cef97c"`);
        await queryRunner.query(`DROP INDEX "public"."IDX_569863f658353af4ecc774baaf"`);
        await queryRunner.query(`DROP TABLE "event"`);
        await queryRunner.query(`DROP INDEX "public"."IDX_49004156d0235fc092ad32c675"`);
        await queryRunner.query(`DROP INDEX "public"."scaling_decision_pending_idx"`);
        await queryRunner.query(`DROP TABLE "scaling_decision"`);
    }

}
