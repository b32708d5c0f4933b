import 'reflect-metadata';
import { plainToInstance, Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, Min, validateSync } from 'class-validator';

/** Every environment variable the management API reads, with its default. */
export class AppConfig {
  @Matches(/^postgres(ql)?:\/\/\S+$/, { message: 'DATABASE_URL must be a postgres:// URL' })
  DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/headroom';

  @Matches(/^rediss?:\/\/\S+$/, { message: 'REDIS_URL must be a redis:// URL' })
  REDIS_URL = 'redis://127.0.0.1:6379';

  /** Key prefix for every BullMQ and pub/sub key, so several installs (or test suites) share one Redis. */
  @Matches(/^[A-Za-z0-9_.-]{1,64}$/, { message: 'REDIS_PREFIX must be 1-64 characters of [A-Za-z0-9_.-]' })
  REDIS_PREFIX = 'headroom';

  @Type(() => Number) @IsInt() @Min(0) @Max(65535)
  PORT = 8080;

  @IsString()
  HOST = '0.0.0.0';

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL = 'info';

  /** pretty logs for people at a terminal; JSON otherwise. */
  @IsIn(['json', 'pretty'])
  LOG_FORMAT = 'json';

  /** Seconds since the last heartbeat within which an agent counts as online. */
  @Type(() => Number) @IsInt() @Min(1)
  AGENT_ONLINE_SECONDS = 15;

  /** Seconds since the last heartbeat after which an agent counts as offline (stale in between). */
  @Type(() => Number) @IsInt() @Min(1)
  AGENT_OFFLINE_SECONDS = 60;

  /** Upper bound for request bodies (JSON and XML), in bytes. */
  @Type(() => Number) @IsInt() @Min(1024)
  BODY_LIMIT_BYTES = 1048576;

  /**
   * Worker processes serving the API on one port (node:cluster; the primary only supervises).
   * 1 serves from this process. Workers are replicas like any other (shared PostgreSQL and
   * Redis), so per-process things multiply: database pool connections (up to 20 each), ingest
   * writers, Redis connections; each has its own /metrics and its own API-key cache.
   */
  @Type(() => Number) @IsInt() @Min(1) @Max(16)
  MANAGEMENT_WORKERS = 1;

  /** Run pending migrations at start-up. */
  @IsIn(['true', 'false'])
  MIGRATIONS_RUN = 'true';

  /** How long a released server may drain before it returns to the free pool regardless. */
  @Type(() => Number) @IsInt() @Min(0)
  DRAIN_TIMEOUT_SECONDS = 30;

  /** How often draining servers are checked against their deadline (0 turns the sweeper off). */
  @Type(() => Number) @IsInt() @Min(0)
  DRAIN_SWEEP_MS = 1000;

  /** Raw telemetry samples are kept this long. */
  @Type(() => Number) @IsInt() @Min(1)
  TELEMETRY_RAW_RETENTION_HOURS = 24;

  /** Per-minute telemetry roll-ups (and the report ledger that dedupes replays) are kept this long. */
  @Type(() => Number) @IsInt() @Min(1)
  TELEMETRY_ROLLUP_RETENTION_DAYS = 30;

  /**
   * How often the roll-up job turns closed minutes of raw samples into per-minute roll-ups
   * (0 turns the scheduler off; metrics queries stay exact either way, reading raw samples
   * for the minutes not rolled up yet).
   */
  @Type(() => Number) @IsInt() @Min(0)
  TELEMETRY_ROLLUP_MS = 10_000;

  /** How often the telemetry retention job runs (0 turns the scheduler off). */
  @Type(() => Number) @IsInt() @Min(0)
  TELEMETRY_RETENTION_SWEEP_MS = 600_000;

  /**
   * Group commit: reports arriving while a telemetry write is in flight are stored together in
   * the next transaction, at most this many reports per transaction.
   */
  @Type(() => Number) @IsInt() @Min(1) @Max(10_000)
  TELEMETRY_INGEST_MAX_BATCH = 500;

  /**
   * Telemetry write transactions in flight at once per process (each holds one pool connection).
   * One makes the largest group commits: a transaction costs both sides about as much as a
   * dozen reports' rows. bench:ingest, 2 workers, XML: 1 writer 12 reports per transaction and
   * 1,158-1,182 µs of CPU per report; 2 writers 6 per transaction and 1,310-1,473 µs.
   * The price: a slow transaction (a lock wait, a data error's one-by-one retry) holds up the
   * process's ingest until it ends; reports queue meanwhile (503 past 20 batches).
   */
  @Type(() => Number) @IsInt() @Min(1) @Max(16)
  TELEMETRY_INGEST_WRITERS = 1;

  /** Quiet time that folds a burst of inventory changes into one revision. */
  @Type(() => Number) @IsInt() @Min(0) @Max(10_000)
  REVISION_DEBOUNCE_MS = 100;

  /** How long an update waits for acks and verification before it retries. */
  @Type(() => Number) @IsInt() @Min(100)
  UPDATE_ACK_TIMEOUT_MS = 15_000;

  /** Attempts (with doubling timeouts) before an update is rolled back. */
  @Type(() => Number) @IsInt() @Min(1) @Max(10)
  UPDATE_MAX_ATTEMPTS = 2;

  /** How often agents report, pushed to them in their configuration. */
  @Type(() => Number) @IsInt() @Min(1000) @Max(600_000)
  AGENT_REPORT_INTERVAL_MS = 5000;

  /** How often the analyser evaluates every service with a policy (besides each new report); 0 turns the scheduler off. */
  @Type(() => Number) @IsInt() @Min(0) @Max(600_000)
  ANALYSIS_INTERVAL_MS = 1000;

  /** This replica's name in decisions' evidence; empty: host name, process id and a random suffix (unique per instance). */
  @Matches(/^[A-Za-z0-9_.:@-]{0,100}$/, { message: 'REPLICA_ID must be up to 100 characters of [A-Za-z0-9_.:@-]' })
  REPLICA_ID = '';

  @IsOptional() @IsString()
  INSTANCE_ID?: string;
}

export class ConfigError extends Error {}

/** Validates an environment-like record into an AppConfig; throws a ConfigError naming each bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): AppConfig {
  const known = Object.keys(new AppConfig());
  const picked: Record<string, string> = {};
  for (const key of [...known, 'INSTANCE_ID']) {
    const v = env[key];
    if (v !== undefined && v !== '') picked[key] = v;
  }
  const config = plainToInstance(AppConfig, picked, { exposeDefaultValues: true });
  const errors = validateSync(config, { whitelist: true });
  if (errors.length > 0) {
    const lines = errors.map((e) => `  ${e.property}=${JSON.stringify(picked[e.property] ?? '')}: ${Object.values(e.constraints ?? {}).join('; ')}`);
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  return config;
}
