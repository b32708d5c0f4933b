import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Params } from 'nestjs-pino';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** A request id per request: the caller's X-Request-Id when it is sane, a UUID otherwise; echoed back. */
export function requestIdFor(req: IncomingMessage, res: ServerResponse): string {
  const incoming = req.headers['x-request-id'];
  const id = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
  res.setHeader('X-Request-Id', id);
  return id;
}

/**
 * nestjs-pino options shared by the apps: JSON by default, pretty for a terminal, secrets
 * redacted. `exclude`: routes pino-http does not serve (no request logger, no access line).
 */
export function loggerParams(level: string, format: string, name: string, exclude?: Params['exclude']): Params {
  return {
    exclude,
    pinoHttp: {
      name,
      level,
      genReqId: requestIdFor,
      customProps: (req) => ({ requestId: (req as IncomingMessage & { id?: string }).id }),
      redact: ['req.headers.authorization', 'req.headers.cookie', 'credential', 'token', 'key'],
      autoLogging: { ignore: (req) => (req.url ?? '').startsWith('/health') },
      serializers: { req: (req: { id: string; method: string; url: string }) => ({ id: req.id, method: req.method, url: req.url }) },
      transport: format === 'pretty' ? { target: 'pino-pretty', options: { singleLine: true } } : undefined,
    },
  };
}
