import type { NestExpressApplication } from '@nestjs/platform-express';
import IORedis from 'ioredis';
import type { AddressInfo } from 'node:net';
import { AppConfig, loadConfig } from '../../libs/common/src/config';
import { AuthService } from '../../apps/management/src/auth/auth.service';
import { createManagementApp, hardenServer } from '../../apps/management/src/bootstrap';
import { ContractRecorder, recordContract } from './contract';
import { createSuiteDatabase, dropSuiteDatabase, suitePrefix } from './database';

export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface TestApp {
  app: NestExpressApplication;
  url: string;
  config: AppConfig;
  adminKey: string;
  readKey: string;
  databaseUrl: string;
  /** Every response is validated against openapi/openapi.json; close() fails on a mismatch. */
  contract: ContractRecorder;
  /** Creates an enrolment token through the service layer. */
  enrolmentToken(opts?: { ttlSeconds?: number; maxUses?: number }): Promise<string>;
  close(): Promise<void>;
}

/** Deletes every key under a prefix (the suite's own BullMQ and pub/sub keys). */
export async function flushPrefix(prefix: string): Promise<void> {
  const redis = new IORedis(REDIS_URL, { maxRetriesPerRequest: 1 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

/**
 * Removes what a suite of this run keeps outside the test process: its database and its Redis keys.
 * For suites that own their database themselves: a TestApp booted on an `existingDatabaseUrl`
 * leaves both alone on close(), and so does a management process the suite spawned.
 */
export async function cleanUpSuite(suite: string): Promise<void> {
  await dropSuiteDatabase(suite);
  await flushPrefix(suitePrefix(suite));
}

/**
 * Boots the real management app on a random loopback port, on its own database and its own
 * Redis key prefix, so suites run in parallel without seeing each other.
 */
export async function createTestApp(suite: string, env: Record<string, string> = {}, existingDatabaseUrl?: string): Promise<TestApp> {
  const db = existingDatabaseUrl ? { url: existingDatabaseUrl, drop: async () => undefined } : await createSuiteDatabase(suite);
  const prefix = suitePrefix(suite);
  if (!existingDatabaseUrl) await flushPrefix(prefix);
  const config = loadConfig({ DATABASE_URL: db.url, REDIS_URL, REDIS_PREFIX: prefix, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent', ...env });
  const app = await createManagementApp(config);
  hardenServer(app);
  const contract = recordContract(app.getHttpServer());
  await app.listen(config.PORT, '127.0.0.1');
  const port = (app.getHttpServer().address() as AddressInfo).port;
  const auth = app.get(AuthService);
  const ctx = { actor: 'test', requestId: null };
  const adminKey = (await auth.createApiKey(['admin'], 'test-admin', ctx)).token;
  const readKey = (await auth.createApiKey(['read'], 'test-read', ctx)).token;
  return {
    app,
    url: `http://127.0.0.1:${port}`,
    config,
    adminKey,
    readKey,
    databaseUrl: db.url,
    contract,
    enrolmentToken: async (opts = {}) => (await auth.createEnrolmentToken(opts, ctx)).token,
    close: async () => {
      await app.close();
      if (!existingDatabaseUrl) {
        await db.drop();
        await flushPrefix(prefix);
      }
      // Thrown from afterAll, this fails the suite: a response the document does not describe.
      const wrong = contract.violations();
      if (wrong.length) throw new Error(`${wrong.length} response(s) do not match openapi/openapi.json:\n  ${wrong.slice(0, 20).join('\n  ')}`);
    },
  };
}

/** Polls fn until it returns a truthy value or the timeout passes. */
export async function waitFor<T>(fn: () => Promise<T | undefined | null | false>, timeoutMs = 10_000, stepMs = 50): Promise<T> {
  const until = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < until) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, stepMs));
  }
  throw new Error(`condition not met within ${timeoutMs} ms${last ? `: ${String(last)}` : ''}`);
}
