import { INestApplication, ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Logger } from 'nestjs-pino';
import type { Server } from 'node:http';
import { AppConfig } from '../../../libs/common/src/config';
import { ProblemFilter, validationExceptionFactory } from '../../../libs/common/src/problem';
import { AppModule } from './app.module';
import { GracefulShutdown } from './common/graceful-shutdown';
import { REPORTS_PATH, reportBodyReader } from './telemetry/report-body';

/** Applies the global pipes, filter, body limits and server timeouts; shared by main, tests and the OpenAPI generator. */
export function configureApp(app: NestExpressApplication, config: AppConfig, shutdownSignals?: string[]): void {
  app.useLogger(app.get(Logger));
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  // Agent reports arrive as text whatever their type (XML or JSON), so the telemetry module
  // decodes, caps and times them; the reader stops at the limit, counted after decompression.
  app.use(REPORTS_PATH, reportBodyReader(config.BODY_LIMIT_BYTES));
  app.useBodyParser('json', { limit: config.BODY_LIMIT_BYTES, type: ['application/json', 'application/*+json'] });
  app.useBodyParser('text', { limit: config.BODY_LIMIT_BYTES, type: ['application/xml', 'text/xml', 'application/*+xml'] });
  app.useGlobalPipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: true, transform: true, exceptionFactory: validationExceptionFactory }));
  app.useGlobalFilters(new ProblemFilter());
  const shutdown = app.get(GracefulShutdown);
  app.use((_req: unknown, res: { setHeader: (k: string, v: string) => void }, next: () => void) => {
    if (shutdown.draining) res.setHeader('Connection', 'close');
    next();
  });
  app.enableShutdownHooks(shutdownSignals);
}

/** Builds (but does not start) the management app; it closes gracefully on `shutdownSignals` (default: all). */
export async function createManagementApp(config: AppConfig, shutdownSignals?: string[]): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), { bufferLogs: true, bodyParser: false });
  configureApp(app, config, shutdownSignals);
  return app;
}

/** Node's HTTP server settings that matter against slow or oversized clients. */
export function hardenServer(app: INestApplication): void {
  const server = app.getHttpServer() as Server;
  server.headersTimeout = 10_000;
  server.requestTimeout = 60_000;
  server.keepAliveTimeout = 65_000;
  server.maxHeadersCount = 2000;
}
