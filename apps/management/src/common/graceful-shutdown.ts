import { BeforeApplicationShutdown, Global, Injectable, Logger, Module } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { Server } from 'node:http';

/**
 * Lets the API stop promptly although agents hold long polls on keep-alive connections:
 * stop accepting, close idle sockets, answer in-flight requests with `Connection: close`,
 * and cut whatever is left after a grace period.
 */
@Injectable()
export class GracefulShutdown implements BeforeApplicationShutdown {
  private readonly logger = new Logger(GracefulShutdown.name);
  draining = false;

  constructor(private readonly adapterHost: HttpAdapterHost) {}

  beforeApplicationShutdown(): void {
    this.draining = true;
    const server = this.adapterHost.httpAdapter?.getHttpServer() as Server | undefined;
    if (!server) return;
    this.logger.log('draining HTTP connections');
    server.close();
    server.closeIdleConnections();
    setTimeout(() => server.closeAllConnections(), 2000).unref();
  }
}

@Global()
@Module({ providers: [GracefulShutdown], exports: [GracefulShutdown] })
export class GracefulShutdownModule {}
