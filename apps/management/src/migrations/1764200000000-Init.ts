import { MigrationInterface, QueryRunner } from "typeorm";

export class Init1764200000000 implements MigrationInterface {
    name = 'Init1764200000000'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`CREATE TABLE "service" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "name" text NOT NULL, "match" jsonb NOT NULL, "algorithm" text NOT NULL DEFAULT 'round_robin', "health_check" jsonb NOT NULL, "scaling_min" integer NOT NULL DEFAULT '1', "scaling_max" integer NOT NULL DEFAULT '10', "load_endpoint" text, "latency_objective_ms" integer NOT NULL DEFAULT '250', "created_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_85a21558c006647cd76fdce044b" PRIMARY KEY ("id"))`);
        await queryRunner.query(`CREATE UNIQUE INDEX "service_name_uq" ON "service"  ("name") `);
        await queryRunner.query(`CREATE TABLE "agent" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "name" text NOT NULL, "enrolment_token_id" uuid, "last_seen_at" TIMESTAMP WITH TIME ZONE, "software_version" text, "address" text, "enrolled_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "revoked_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_1000e989398c5d4ed585cf9a46f" PRIMARY KEY ("id"))`);
        await queryRunner.query(`CREATE TABLE "agent_assignment" ("agent_id" uuid NOT NULL, "service_id" uuid NOT NULL, "assigned_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_2547dbae51f5aa2950d2cfdc7c1" PRIMARY KEY ("agent_id", "service_id"))`);
        await queryRunner.query(`CREATE INDEX "IDX_e3d77e6042123a55ecddaf6f13" ON "agent_assignment"  ("service_id") `);
        await queryRunner.query(`CREATE TABLE "audit_entry" ("id" BIGSERIAL NOT NULL, "at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "actor" text NOT NULL, "action" text NOT NULL, "target_type" text NOT NULL, "target_id" text, "before" jsonb, "after" jsonb, "request_id" text, CONSTRAINT "PK_58a130a4b9da189f46ba2a01801" PRIMARY KEY ("id"))`);
        await queryRunner.query(`CREATE INDEX "IDX_9d18bd4a32fc0cd8ff82b12037" ON "audit_entry"  ("at") `);
        await queryRunner.query(`CREATE INDEX "IDX_7133ef5a0d5a8608c7d66d1f07" ON "audit_entry"  ("target_id") `);
        await queryRunner.query(`CREATE TABLE "api_key" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "lookup" text NOT NULL, "secret_hash" text NOT NULL, "scopes" text array NOT NULL, "name" text, "agent_id" uuid, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "last_used_at" TIMESTAMP WITH TIME ZONE, "revoked_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_b1bd840641b8acbaad89c3d8d11" PRIMARY KEY ("id"))`);
        await queryRunner.query(`CREATE UNIQUE INDEX "api_key_lookup_uq" ON "api_key"  ("lookup") `);
        await queryRunner.query(`CREATE INDEX "IDX_491c0ba14ffb7da9ab41635f00" ON "api_key"  ("agent_id") `);
        await queryRunner.query(`CREATE TABLE "enrolment_token" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "lookup" text NOT NULL, "secret_hash" text NOT NULL, "name" text, "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, "max_uses" integer, "uses" integer NOT NULL DEFAULT '0', "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "revoked_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_8433d8968b3f501dfe85de7754f" PRIMARY KEY ("id"))`);
        await queryRunner.query(`CREATE UNIQUE INDEX "enrolment_token_lookup_uq" ON "enrolment_token"  ("lookup") `);
        await queryRunner.query(`CREATE TABLE "server" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "name" text NOT NULL, "host" text NOT NULL, "port" integer NOT NULL, "protocol" text NOT NULL DEFAULT 'http', "weight" integer NOT NULL DEFAULT '1', "labels" jsonb NOT NULL DEFAULT '{}', "zone" text, "max_connections" integer, "state" text NOT NULL DEFAULT 'free', "service_id" uuid, "state_changed_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "state_reason" text, "drain_deadline" TIMESTAMP WITH TIME ZONE, "registered_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_f8b8af38bdc23b447c0a57c7937" PRIMARY KEY ("id"))`);
        await queryRunner.query(`CREATE INDEX "IDX_f461601022825b54e29e850a6a" ON "server"  ("state") `);
        await queryRunner.query(`CREATE INDEX "IDX_619891c2629027bd12f1f0f441" ON "server"  ("service_id") `);
        await queryRunner.query(`CREATE UNIQUE INDEX "server_name_live_uq" ON "server"  ("name") WHERE state <> 'retired'`);
        await queryRunner.query(`ALTER TABLE "agent_assignment" ADD CONSTRAINT "FK_5fe4ccd61b9a7f0e5c3108767cd" FOREIGN KEY ("agent_id") REFERENCES "agent"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
        await queryRunner.query(`ALTER TABLE "agent_assignment" ADD CONSTRAINT "FK_e3d77e6042123a55ecddaf6f13a" FOREIGN KEY ("service_id") REFERENCES "service"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
        await queryRunner.query(`ALTER TABLE "server" ADD CONSTRAINT "FK_619891c2629027bd12f1f0f441f" FOREIGN KEY ("service_id") REFERENCES "service"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`ALTER TABLE "server" DROP CONSTRAINT "FK_619891c2629027bd12f1f0f441f"`);
        await queryRunner.query(`ALTER TABLE "agent_assignment" DROP CONSTRAINT "FK_e3d77e6042123a55ecddaf6f13a"`);
        await queryRunner.query(`ALTER TABLE "agent_assignment" DROP CONSTRAINT "FK_5fe4ccd61b9a7f0e5c3108767cd"`);
        await queryRunner.query(`DROP INDEX "public"."server_name_live_uq"`);
        await queryRunner.query(`DROP INDEX "public"."IDX_619891c2629027bd12f1f0f441"`);
        await queryRunner.query(`DROP INDEX "public"."IDX_f461601022825b54e29e850a6a"`);
        await queryRunner.query(`DROP TABLE "server"`);
        await queryRunner.query(`DROP INDEX "public"."enrolment_token_lookup_uq"`);
        await queryRunner.query(`DROP TABLE "enrolment_token"`);
        await queryRunner.query(`DROP INDEX "public"."IDX_491c0ba14ffb7da9ab41635f00"`);
        await queryRunner.query(`DROP INDEX "public"."api_key_lookup_uq"`);
        await queryRunner.query(`DROP TABLE "api_key"`);
        await queryRunner.query(`DROP INDEX "public"."IDX_7133ef5a0d5a8608c7d66d1f07"`);
        await queryRunner.query(`DROP INDEX "public"."IDX_9d18bd4a32fc0cd8ff82b12037"`);
        await queryRunner.query(`DROP TABLE "audit_entry"`);
        await queryRunner.query(`DROP INDEX "public"."IDX_e3d77e6042123a55ecddaf6f13"`);
        await queryRunner.query(`DROP TABLE "agent_assignment"`);
        await queryRunner.query(`DROP TABLE "agent"`);
        await queryRunner.query(`DROP INDEX "public"."service_name_uq"`);
        await queryRunner.query(`DROP TABLE "service"`);
    }

}
