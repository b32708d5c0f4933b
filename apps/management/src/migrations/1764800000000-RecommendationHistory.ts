import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Evaluations that change nothing are no longer stored as decisions (one row per service per
 * second): the stabilisation windows read their history from scaling_recommendation, which keeps
 * only the changes of each policy's recommendation. A policy may still ask for every no-change
 * decision to be stored (record_no_change).
 */
export class RecommendationHistory1764800000000 implements MigrationInterface {
    name = 'RecommendationHistory1764800000000'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`CREATE TABLE "scaling_recommendation" ("policy_id" uuid NOT NULL, "at" TIMESTAMP(3) WITH TIME ZONE NOT NULL, "recommended" integer NOT NULL, CONSTRAINT "PK_scaling_recommendation" PRIMARY KEY ("policy_id", "at"))`);
        await queryRunner.query(`ALTER TABLE "scaling_recommendation" ADD CONSTRAINT "FK_scaling_recommendation_policy" FOREIGN KEY ("policy_id") REFERENCES "scaling_policy"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
        await queryRunner.query(`ALTER TABLE "scaling_policy" ADD "record_no_change" boolean NOT NULL DEFAULT false`);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`ALTER TABLE "scaling_policy" DROP COLUMN "record_no_change"`);
        await queryRunner.query(`DROP TABLE "scaling_recommendation"`);
    }

}
