import { ArgumentsHost, BadRequestException, Catch, ExceptionFilter, HttpException, HttpStatus, Logger, ValidationError } from '@nestjs/common';
import type { Request, Response } from 'express';
import { XMLBuilder } from 'fast-xml-parser';

/** One field that failed validation, as carried in a problem's `errors`. */
export interface FieldError {
  field: string;
  messages: string[];
}

/** RFC 9457 problem details body. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  requestId?: string;
  errors?: FieldError[];
  [extension: string]: unknown;
}

const TYPE_BASE = 'https://headroom.dev/problems/';

/** A domain error with a status and a stable type slug; the problem filter maps it. */
export class DomainError extends Error {
  constructor(
    readonly status: number,
    readonly slug: string,
    readonly title: string,
    detail?: string,
    readonly extensions: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(detail ?? title);
  }
}

export class NotFoundError extends DomainError {
  constructor(what: string, id: string) {
    super(404, 'not-found', `${what} not found`, `${what} ${id} does not exist`, { resource: what.toLowerCase(), id });
  }
}

export class ConflictError extends DomainError {
  constructor(slug: string, title: string, detail?: string, ext: Record<string, unknown> = {}) {
    super(409, slug, title, detail, ext);
  }
}

/** Flattens class-validator errors into dotted field paths (`healthCheck.intervalMs`, `servers.2.port`). */
export function flattenValidationErrors(errors: ValidationError[], parent = ''): FieldError[] {
  const out: FieldError[] = [];
  for (const e of errors) {
    const field = parent ? `${parent}.${e.property}` : e.property;
    if (e.constraints) out.push({ field, messages: Object.values(e.constraints) });
    if (e.children?.length) out.push(...flattenValidationErrors(e.children, field));
  }
  return out;
}

/** The ValidationPipe's exceptionFactory: a 400 whose response carries the field list. */
export function validationExceptionFactory(errors: ValidationError[]): BadRequestException {
  const fields = flattenValidationErrors(errors);
  return new BadRequestException({
    message: `invalid fields: ${fields.map((f) => f.field).join(', ')}`,
    errors: fields,
  });
}

const xmlBuilder = new XMLBuilder({ ignoreAttributes: true, format: false, suppressEmptyNode: true });

function wantsXml(req: Request | undefined): boolean {
  const accept = req?.headers?.accept ?? '';
  if (!accept) return /xml/.test(req?.headers?.['content-type'] ?? '');
  const xml = accept.search(/application\/(problem\+)?xml|text\/xml/);
  const json = accept.search(/application\/(problem\+)?json/);
  return xml >= 0 && (json < 0 || xml < json);
}

/** Sends a problem body as problem+json, or problem+xml when the client prefers XML. */
export function sendProblem(res: Response, req: Request | undefined, problem: Problem, headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
  if (wantsXml(req)) {
    const body = xmlBuilder.build({ problem: { ...problem, errors: problem.errors ? { error: problem.errors.map((e) => ({ field: e.field, message: e.messages })) } : undefined } });
    res.status(problem.status).type('application/problem+xml').send(`<?xml version="1.0" encoding="UTF-8"?>${body}`);
  } else {
    res.status(problem.status).type('application/problem+json').send(JSON.stringify(problem));
  }
}

function titleFor(status: number): string {
  const name = HttpStatus[status];
  if (!name) return 'Error';
  return name.charAt(0) + name.slice(1).toLowerCase().replace(/_/g, ' ');
}

function slugFor(status: number): string {
  return (HttpStatus[status] ?? 'error').toLowerCase().replace(/_/g, '-');
}

/** Maps any thrown error to an RFC 9457 problem. Unknown errors are 500 with the detail hidden. */
export function toProblem(exception: unknown, instance?: string, requestId?: string): { problem: Problem; headers: Record<string, string>; unexpected: boolean } {
  const base = { instance, requestId };
  if (exception instanceof DomainError) {
    return {
      problem: { type: TYPE_BASE + exception.slug, title: exception.title, status: exception.status, detail: exception.message, ...base, ...exception.extensions },
      headers: exception.headers,
      unexpected: false,
    };
  }
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const body = exception.getResponse();
    const problem: Problem = { type: TYPE_BASE + slugFor(status), title: titleFor(status), status, ...base };
    if (typeof body === 'string') problem.detail = body;
    else if (body && typeof body === 'object') {
      const b = body as Record<string, unknown>;
      const msg = b.message;
      problem.detail = Array.isArray(msg) ? msg.join('; ') : typeof msg === 'string' ? msg : exception.message;
      if (Array.isArray(b.errors)) problem.errors = b.errors as FieldError[];
      if (typeof b.type === 'string') problem.type = TYPE_BASE + b.type;
    }
    const headers: Record<string, string> = {};
    if (status === 503) headers['Retry-After'] = '5';
    return { problem, headers, unexpected: false };
  }
  // body-parser and other http-errors style failures carry a status/statusCode and an expose flag.
  const e = exception as { status?: number; statusCode?: number; type?: string; expose?: boolean; message?: string } | undefined;
  const status = e?.status ?? e?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 600 && e?.expose !== false) {
    const detail = e?.type === 'entity.too.large' ? 'request body exceeds the size limit' : e?.type === 'entity.parse.failed' ? 'request body is not valid JSON' : e?.message;
    return { problem: { type: TYPE_BASE + slugFor(status), title: titleFor(status), status, detail, ...base }, headers: {}, unexpected: false };
  }
  const code = (exception as { code?: string } | undefined)?.code;
  if (code === 'ECONNREFUSED' || code === '57P01' || code === '53300' || /Connection terminated|connect ECONNREFUSED/.test(String((exception as Error)?.message))) {
    return { problem: { type: TYPE_BASE + 'unavailable', title: 'Service unavailable', status: 503, detail: 'a dependency is unavailable; retry later', ...base }, headers: { 'Retry-After': '5' }, unexpected: true };
  }
  return { problem: { type: TYPE_BASE + 'internal', title: 'Internal server error', status: 500, detail: 'an unexpected error occurred', ...base }, headers: {}, unexpected: true };
}

/** The one global exception filter: every 4xx and 5xx leaves as problem+json (or problem+xml). */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger('ProblemFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const req = ctx.getRequest<Request & { id?: string }>();
    const res = ctx.getResponse<Response>();
    const { problem, headers, unexpected } = toProblem(exception, req?.originalUrl, req?.id ? String(req.id) : undefined);
    if (unexpected) this.logger.error({ err: exception, requestId: problem.requestId }, 'unhandled error');
    sendProblem(res, req, problem, headers);
  }
}
