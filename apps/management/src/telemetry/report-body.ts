import type { NextFunction, Request, Response } from 'express';
import { PinoLogger } from 'nestjs-pino';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import type { Transform } from 'node:stream';
import { requestIdFor } from '../../../../libs/common/src/logger';
import { Problem, sendProblem } from '../../../../libs/common/src/problem';
import { LineLimiter } from './line-limiter';

/** The report route as Nest routes it (nestjs-pino's exclusion in app.module uses this). */
export const REPORTS_ROUTE = 'v1/agents/:id/reports';
/** The same route for app.use: the router matches it case-insensitively, with or without a trailing slash. */
export const REPORTS_PATH = /^\/v1\/agents\/[^/]+\/reports\/?$/i;

/** How often a refused, failed or aborted report post of one agent and outcome is logged. */
export const REFUSED_LOG_EVERY_MS = 10_000;
/** And at most this many of those lines a second in all (unauthenticated posts can name any agent). */
const REFUSED_LINES_PER_SECOND = 50;
/** Per process: with MANAGEMENT_WORKERS=N, each worker writes its own share. */
const refusedLines = new LineLimiter(REFUSED_LOG_EVERY_MS, REFUSED_LINES_PER_SECOND);
const AGENT_OF = /^\/v1\/agents\/([^/?]+)/i;

/**
 * The access log of report posts, which pino-http does not serve (app.module excludes them): its
 * request logger cost ~50 µs of CPU per report (measured on a bare Nest app; 2 workers, XML,
 * management CPU per report went 868 → 769 µs), for a line per report that at agents × reports/s
 * would drown every other line. A refused report is a warning, a 5xx an error except a 503 (ingest
 * busy: load shedding, which the agent retries), an aborted one a warning; an accepted one is
 * logged at debug. Each line carries the request id as `req.id` and `requestId`. Warnings and
 * errors are rate-limited per agent and outcome (status, or aborted): the first of every
 * REFUSED_LOG_EVERY_MS is written, and the next written one has `suppressed`, how many it left out;
 * at most REFUSED_LINES_PER_SECOND of them are written a second in all (per process).
 */
function logAccess(req: Request & { id?: unknown }, res: Response, started: bigint): void {
  const write = (aborted: boolean) => {
    const log = PinoLogger.root;
    const status = res.statusCode;
    const level = aborted || status === 503 ? 'warn' : status >= 500 ? 'error' : status >= 400 ? 'warn' : 'debug';
    if (!log?.isLevelEnabled(level)) return;
    // Warnings and errors: one line per agent and outcome every 10 s, the next one counting the rest.
    let suppressed = 0;
    if (level !== 'debug') {
      const admitted = refusedLines.admit(`${aborted ? 'aborted' : status}|${AGENT_OF.exec(req.originalUrl)?.[1]?.slice(0, 64).toLowerCase() ?? ''}`);
      if (admitted === null) return;
      suppressed = admitted;
    }
    const msg = aborted ? 'request aborted' : status >= 400 ? 'request errored' : 'request completed';
    // The root logger's req and res serializers shape these as pino-http shapes its lines.
    log[level]({ req, res, requestId: req.id, responseTime: Math.round(Number(process.hrtime.bigint() - started) / 1e6), ...(suppressed ? { suppressed } : {}) }, msg);
  };
  res.once('close', () => write(!res.writableFinished));
}

const TYPE_BASE = 'https://headroom.dev/problems/';

function refuse(req: Request & { id?: unknown }, res: Response, status: number, slug: string, title: string, detail: string): void {
  const problem: Problem = { type: TYPE_BASE + slug, title, status, detail, instance: req.originalUrl, requestId: req.id ? String(req.id) : undefined };
  // Close the connection: the rest of an oversized or endless body is never read.
  res.setHeader('Connection', 'close');
  sendProblem(res, req, problem);
  res.on('finish', () => setImmediate(() => req.socket.destroy()));
}

/**
 * Reads an agent report body into `req.body` as a string, inflating gzip/deflate/br, and stops
 * the moment the (inflated) size crosses `limit`: 413 at once, connection closed. body-parser
 * would first read an oversized body to its end, which never comes for an endless chunked one.
 */
export function reportBodyReader(limit: number) {
  return (req: Request & { id?: unknown }, res: Response, next: NextFunction): void => {
    if (req.method !== 'POST') return next(); // pino-http serves the other methods
    req.id ??= requestIdFor(req, res);
    logAccess(req, res, process.hrtime.bigint());
    const declared = Number(req.headers['content-length'] ?? NaN);
    const encoding = String(req.headers['content-encoding'] ?? 'identity').toLowerCase().trim();
    if (encoding === 'identity' && declared > limit) return refuse(req, res, 413, 'payload-too-large', 'Payload too large', `request body exceeds ${limit} bytes`);
    let stream: NodeJS.ReadableStream = req;
    let inflater: Transform | undefined;
    if (encoding === 'gzip' || encoding === 'x-gzip') inflater = createGunzip();
    else if (encoding === 'deflate') inflater = createInflate();
    else if (encoding === 'br') inflater = createBrotliDecompress();
    else if (encoding !== 'identity') return refuse(req, res, 415, 'unsupported-media-type', 'Unsupported media type', `content-encoding ${encoding.slice(0, 40)} is not supported`);
    if (inflater) stream = req.pipe(inflater);
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (fn: () => void) => {
      if (done) return;
      done = true;
      fn();
    };
    stream.on('data', (chunk: Buffer) => {
      if (done) return;
      size += chunk.length;
      if (size > limit) {
        finish(() => {
          if (inflater) req.unpipe(inflater);
          inflater?.destroy();
          refuse(req, res, 413, 'payload-too-large', 'Payload too large', `request body exceeds ${limit} bytes${inflater ? ' once decompressed' : ''}`);
        });
        return;
      }
      chunks.push(chunk);
    });
    stream.on('error', () => finish(() => refuse(req, res, 400, 'bad-request', 'Bad request', 'the request body could not be read or decompressed')));
    stream.on('end', () =>
      finish(() => {
        req.body = Buffer.concat(chunks, size).toString('utf8');
        // Tells the global body parsers this body has been read already.
        (req as Request & { _body?: boolean })._body = true;
        next();
      }),
    );
  };
}
