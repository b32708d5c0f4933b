import { DataSource } from 'typeorm';
import { AppConfig } from '../../../libs/common/src/config';
import { SCOPES, Scope } from './auth/api-key.entity';
import { dataSourceOptions } from './data-source';
import { AuditService } from './audit/audit.service';
import { AuditEntry } from './audit/audit-entry.entity';
import { AuthService } from './auth/auth.service';
import { ApiKey, EnrolmentToken } from './auth/api-key.entity';

const CLI_CTX = { actor: `cli:${process.env.USER ?? 'operator'}`, requestId: null };

/** Runs fn with an AuthService on a short-lived DataSource (migrated first), for the management CLI commands. */
async function withAuth<T>(config: AppConfig, fn: (auth: AuthService) => Promise<T>): Promise<T> {
  const ds = new DataSource(dataSourceOptions(config.DATABASE_URL));
  await ds.initialize();
  try {
    await ds.runMigrations({ transaction: 'each' });
    const auth = new AuthService(ds.getRepository(ApiKey), ds.getRepository(EnrolmentToken), new AuditService(ds.getRepository(AuditEntry)));
    return await fn(auth);
  } finally {
    await ds.destroy();
  }
}

export async function issueApiKey(config: AppConfig, scopes: string[], name: string): Promise<string> {
  const bad = scopes.filter((s) => !(SCOPES as readonly string[]).includes(s));
  if (bad.length) throw new Error(`unknown scope ${bad.join(', ')}; use ${SCOPES.join(', ')}`);
  return withAuth(config, async (auth) => (await auth.createApiKey(scopes as Scope[], name, CLI_CTX)).token);
}

export async function issueEnrolmentToken(config: AppConfig, ttlSeconds: number, maxUses?: number): Promise<string> {
  return withAuth(config, async (auth) => (await auth.createEnrolmentToken({ ttlSeconds, maxUses, name: 'cli' }, CLI_CTX)).token);
}
