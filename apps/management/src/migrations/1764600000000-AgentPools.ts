import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Agent pools: a policy scales either the service's backend servers or the agents assigned to it
 * (`pool`), so a service may hold one live and one shadow policy per pool. Decisions say which
 * pool they sized and which agents they assigned or released.
 */
export class AgentPools1764600000000 implements MigrationInterface {
    name = 'AgentPools1764600000000'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`ALTER TABLE "scaling_policy" ADD "pool" text NOT NULL DEFAULT 'servers'`);
        await queryRunner.query(`DROP INDEX "public"."scaling_policy_service_role_uq"`);
        await queryRunner.query(`CREATE UNIQUE INDEX "scaling_policy_service_pool_role_uq" ON "scaling_policy" ("service_id", "pool", "role") `);
        await queryRunner.query(`ALTER TABLE "scaling_decision" ADD "pool" text NOT NULL DEFAULT 'servers'`);
        await queryRunner.query(`ALTER TABLE "scaling_decision" ADD "agent_ids" jsonb NOT NULL DEFAULT '[]'`);
        await queryRunner.query(`DROP INDEX "public"."scaling_decision_pending_idx"`);
        await queryRunner.query(`CREATE INDEX "scaling_decision_pending_idx" ON "scaling_decision" ("service_id", "pool") WHERE status = 'pending'`);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`DROP INDEX "public"."scaling_decision_pending_idx"`);
        await queryRunner.query(`CREATE INDEX "scaling_decision_pending_idx" ON "scaling_decision" ("service_id") WHERE status = 'pending'`);
        await queryRunner.query(`ALTER TABLE "scaling_decision" DROP COLUMN "agent_ids"`);
        await queryRunner.query(`ALTER TABLE "scaling_decision" DROP COLUMN "pool"`);
        await queryRunner.query(`DROP INDEX "public"."scaling_policy_service_pool_role_uq"`);
        await queryRunner.query(`DELETE FROM "scaling_policy" WHERE "pool" = 'agents'`);
        await queryRunner.query(`CREATE UNIQUE INDEX "scaling_policy_service_role_uq" ON "scaling_policy" ("service_id", "role") `);
        await queryRunner.query(`ALTER TABLE "scaling_policy" DROP COLUMN "pool"`);
    }

}
