import { Controller, Get, Inject, Injectable } from '@nestjs/common';
import { ApiExtraModels, ApiOkResponse, ApiOperation, ApiResponse, ApiTags, getSchemaPath } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { DataSource } from 'typeorm';
import type { Redis } from 'ioredis';
import { DomainError } from '../../../../libs/common/src/problem';
import { Public } from '../auth/principal';
import { REDIS } from '../queues/redis.module';
import { DependencyCheckDto, HealthResultDto, NotReadyProblemDto } from './health.dto';

/** 503: names each dependency that does not answer, so an operator knows where to look. */
export class DependenciesDownError extends DomainError {
  constructor(checks: Record<string, DependencyCheckDto>) {
    const down = Object.keys(checks).filter((name) => checks[name].status !== 'up');
    const why = down.map((name) => (checks[name].message ? `${name} (${checks[name].message})` : name)).join(', ');
    super(503, 'dependency-unavailable', 'Not ready', `not ready: ${why} ${down.length === 1 ? 'is' : 'are'} down`, { checks, down }, { 'Retry-After': '5' });
  }
}

/** How long a dependency gets to answer a readiness probe. */
const PROBE_TIMEOUT_MS = 1000;

/** `probe`, or a rejection with "timeout" once PROBE_TIMEOUT_MS has passed. */
function withinProbeTimeout<T>(probe: Promise<T>): Promise<T> {
  return Promise.race([probe, new Promise<never>((_, rej) => setTimeout(() => rej(new Error('timeout')), PROBE_TIMEOUT_MS).unref())]);
}

@Injectable()
export class RedisHealthIndicator {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    private readonly indicator: HealthIndicatorService,
  ) {}

  async check(key: string): Promise<HealthIndicatorResult> {
    const probe = this.indicator.check(key);
    try {
      const pong = await withinProbeTimeout(this.redis.ping());
      return pong === 'PONG' ? probe.up() : probe.down({ message: `unexpected reply ${pong}` });
    } catch (err) {
      return probe.down({ message: reason(err) });
    }
  }
}

/**
 * PostgreSQL answers `SELECT 1` within a second. Terminus's TypeOrmHealthIndicator reports a refused
 * connection as a bare "down" with no message, which tells an operator nothing.
 */
@Injectable()
export class DatabaseHealthIndicator {
  constructor(
    private readonly dataSource: DataSource,
    private readonly indicator: HealthIndicatorService,
  ) {}

  async check(key: string): Promise<HealthIndicatorResult> {
    const probe = this.indicator.check(key);
    try {
      await withinProbeTimeout(this.dataSource.query('SELECT 1'));
      return probe.up();
    } catch (err) {
      return probe.down({ message: reason(err) });
    }
  }
}

/** The readiness endpoint is public: a driver's error code (ECONNREFUSED, 57P01) or "timeout", never a message with addresses in it. */
function reason(err: unknown): string {
  const e = err as { code?: unknown; message?: unknown };
  if (typeof e?.code === 'string' && e.code) return e.code;
  return e?.message === 'timeout' ? `timeout after ${PROBE_TIMEOUT_MS} ms` : 'no answer';
}

@Injectable()
export class ReadinessService {
  constructor(
    private readonly db: DatabaseHealthIndicator,
    private readonly redis: RedisHealthIndicator,
  ) {}

  /**
   * Terminus's result shape when PostgreSQL and Redis answer. Terminus's own check() throws a bare
   * 503 whose body the problem filter cannot read ("Service Unavailable Exception"), so the
   * indicators (which report down rather than throw) run here and a down one becomes a problem.
   */
  async check(): Promise<HealthResultDto> {
    const results = await Promise.all([this.db.check('database'), this.redis.check('redis')]);
    const details = Object.assign({}, ...results) as Record<string, DependencyCheckDto>;
    if (Object.values(details).some((c) => c.status !== 'up')) throw new DependenciesDownError(details);
    return { status: 'ok', info: details, error: {}, details };
  }
}

@ApiTags('health')
@ApiExtraModels(NotReadyProblemDto)
@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly readiness: ReadinessService,
  ) {}

  @Get('live')
  @HealthCheck()
  @ApiOperation({ operationId: 'healthLive', summary: 'Liveness: the process answers' })
  live() {
    return this.health.check([]);
  }

  @Get('ready')
  @ApiOperation({ operationId: 'healthReady', summary: 'Readiness: PostgreSQL and Redis answer' })
  @ApiOkResponse({ type: HealthResultDto, description: 'PostgreSQL and Redis answer' })
  @ApiResponse({
    status: 503,
    description: 'a dependency does not answer: `detail` and `down` name it (`database`, `redis`), `checks` has each one\'s state; retry after Retry-After',
    headers: { 'Retry-After': { description: 'seconds', schema: { type: 'integer' } } },
    content: { 'application/problem+json': { schema: { $ref: getSchemaPath(NotReadyProblemDto) } } },
  })
  ready() {
    return this.readiness.check();
  }
}
