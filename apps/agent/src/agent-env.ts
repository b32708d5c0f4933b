import 'reflect-metadata';
import { plainToInstance, Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, Min, validateSync } from 'class-validator';
import { hostname } from 'node:os';

/** Every environment variable the agent reads, with its default. */
export class AgentEnv {
  @Matches(/^https?:\/\/\S+$/, { message: 'MANAGEMENT_URL must be an http(s) URL' })
  MANAGEMENT_URL = 'http://127.0.0.1:8080';

  @IsOptional() @IsString()
  ENROLMENT_TOKEN?: string;

  @IsString()
  STATE_DIR = './.state/agent';

  @Matches(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, { message: 'AGENT_NAME must be 1-63 characters of letters, digits, ".", "_" or "-"' })
  AGENT_NAME = hostname().replace(/[^A-Za-z0-9._-]/g, '-').slice(0, 63) || 'agent';

  @Type(() => Number) @IsInt() @Min(0) @Max(65535)
  PROXY_PORT = 8000;

  @IsString()
  PROXY_HOST = '0.0.0.0';

  @Type(() => Number) @IsInt() @Min(0) @Max(65535)
  ADMIN_PORT = 9901;

  /** The admin endpoint listens on loopback unless told otherwise. */
  @IsString()
  ADMIN_HOST = '127.0.0.1';

  @Type(() => Number) @IsInt() @Min(500) @Max(600_000)
  HEARTBEAT_INTERVAL_MS = 5000;

  /** Seconds the management API may hold each configuration long poll. */
  @Type(() => Number) @IsInt() @Min(1) @Max(60)
  CONFIG_POLL_WAIT_SECONDS = 30;

  /** How often the reporting module measures and sends a report (ms, at least 1000). */
  @Type(() => Number) @IsInt() @Min(1000) @Max(600_000)
  REPORT_INTERVAL_MS = 5000;

  /** Wire format of reports: XML (default) or JSON. */
  @IsIn(['xml', 'json'])
  REPORT_FORMAT = 'xml';

  /** gzip report bodies. */
  @IsIn(['true', 'false'])
  REPORT_GZIP = 'true';

  /** Most reports kept on disk while the management API is unreachable (oldest dropped beyond). */
  @Type(() => Number) @IsInt() @Min(10) @Max(1_000_000)
  REPORT_QUEUE_MAX = 20_000;

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL = 'info';
}

export class AgentEnvError extends Error {}

export function loadAgentEnv(env: Record<string, string | undefined> = process.env): AgentEnv {
  const picked: Record<string, string> = {};
  for (const key of [...Object.keys(new AgentEnv()), 'ENROLMENT_TOKEN']) {
    const v = env[key];
    if (v !== undefined && v !== '') picked[key] = v;
  }
  const cfg = plainToInstance(AgentEnv, picked, { exposeDefaultValues: true });
  const errors = validateSync(cfg);
  if (errors.length) {
    throw new AgentEnvError(`invalid configuration:\n${errors.map((e) => `  ${e.property}: ${Object.values(e.constraints ?? {}).join('; ')}`).join('\n')}`);
  }
  return cfg;
}
