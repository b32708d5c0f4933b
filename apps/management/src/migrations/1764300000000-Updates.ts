import { MigrationInterface, QueryRunner } from "typeorm";

export class Updates1764300000000 implements MigrationInterface {
    name = 'Updates1764300000000'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`CREATE TABLE "config_revision" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "agent_id" uuid NOT NULL, "version" integer NOT NULL, "document" jsonb NOT NULL, "digest" text NOT NULL, "update_id" uuid, "created_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "config_revision_agent_version_uq" UNIQUE ("agent_id", "version"), CONSTRAINT "PK_be6a8b39571d45525c965fc5e2b" PRIMARY KEY ("id"))`);
        await queryRunner.query(`CREATE INDEX "IDX_774d5862b9579006f6065cd80b" ON "config_revision"  ("agent_id") `);
        await queryRunner.query(`CREATE TABLE "config_change" ("id" BIGSERIAL NOT NULL, "reason" text NOT NULL, "at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), "processed_at" TIMESTAMP WITH TIME ZONE, "update_id" uuid, CONSTRAINT "PK_4df212a2d1cfa6ecfa5bca31f8e" PRIMARY KEY ("id"))`);
        await queryRunner.query(`CREATE INDEX "IDX_527b1c865a5a573b495c370872" ON "config_change"  ("processed_at") WHERE processed_at IS NULL`);
        await queryRunner.query(`CREATE TABLE "config_update" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "status" text NOT NULL, "reason" text NOT NULL, "changed_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL, "attempt" integer NOT NULL DEFAULT '1', "deadline" TIMESTAMP(3) WITH TIME ZONE NOT NULL, "added_server_ids" uuid array NOT NULL DEFAULT '{}', "removed_server_ids" uuid array NOT NULL DEFAULT '{}', "timeline" jsonb NOT NULL DEFAULT '[]', "error" text, "created_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), "finished_at" TIMESTAMP(3) WITH TIME ZONE, CONSTRAINT "PK_a9e021bc33e70d496c9f1480c09" PRIMARY KEY ("id"))`);
        await queryRunner.query(`CREATE INDEX "IDX_d978b6bd841767c438bec8c31b" ON "config_update"  ("status") `);
        await queryRunner.query(`CREATE TABLE "config_update_agent" ("update_id" uuid NOT NULL, "agent_id" uuid NOT NULL, "version" integer NOT NULL, "state" text NOT NULL, "error" text, "acked_at" TIMESTAMP(3) WITH TIME ZONE, "verified_at" TIMESTAMP(3) WITH TIME ZONE, CONSTRAINT "PK_6fe401bc97caff9f14103483c0e" PRIMARY KEY ("update_id", "agent_id"))`);
        await queryRunner.query(`CREATE INDEX "IDX_8377f5d862d9fe236652286422" ON "config_update_agent"  ("agent_id") `);
        await queryRunner.query(`ALTER TABLE "agent" ADD "applied_version" integer`);
        await queryRunner.query(`ALTER TABLE "agent" ADD "applied_at" TIMESTAMP(3) WITH TIME ZONE`);
        await queryRunner.query(`ALTER TABLE "agent" ADD "rejected_version" integer`);
        await queryRunner.query(`ALTER TABLE "agent" ADD "rejected_error" text`);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`ALTER TABLE "agent" DROP COLUMN "rejected_error"`);
        await queryRunner.query(`ALTER TABLE "agent" DROP COLUMN "rejected_version"`);
        await queryRunner.query(`ALTER TABLE "agent" DROP COLUMN "applied_at"`);
        await queryRunner.query(`ALTER TABLE "agent" DROP COLUMN "applied_version"`);
        await queryRunner.query(`DROP INDEX "public"."IDX_8377f5d862d9fe236652286422"`);
        await queryRunner.query(`DROP TABLE "config_update_agent"`);
        await queryRunner.query(`DROP INDEX "public"."IDX_d978b6bd841767c438bec8c31b"`);
        await queryRunner.query(`DROP TABLE "config_update"`);
        await queryRunner.query(`DROP INDEX "public"."IDX_527b1c865a5a573b495c370872"`);
        await queryRunner.query(`DROP TABLE "config_change"`);
        await queryRunner.query(`DROP INDEX "public"."IDX_774d5862b9579006f6065cd80b"`);
        await queryRunner.query(`DROP TABLE "config_revision"`);
    }

}
