/**
 * The client-facing HTTP server, hardened. What Node's llhttp already refuses with 400 and a
 * closed connection (checked by test/agent/hostile.e2e-spec.ts): a malformed request line,
 * Content-Length together with Transfer-Encoding, a duplicated or non-numeric Content-Length,
 * a Transfer-Encoding that does not end in chunked, a space before the colon, bare CR or LF
 * line ends, CR/LF in header values. What we add: problem+json bodies instead of Node's empty
 * answers, 431 for headers over 16 KiB and for more than MAX_HEADER_LINES lines (Node would
 * silently drop the extra lines), a short connections-checking interval so headersTimeout cuts
 * slowloris clients within a second of the deadline, and a requestTimeout well under Node's 300 s.
 */
import { createServer, Server } from 'node:http';
import type { Socket } from 'node:net';
import type { AgentSettingsDto } from '../../../../libs/protocol/src/config-document';
import { ContentModule, MAX_HEADER_LINES } from './content.module';
import { writeRawProblem } from './problem';

export const MAX_HEADER_BYTES = 16 * 1024;
/** Whole-request deadline (headers and body); long enough for large uploads on slow links. */
export const REQUEST_TIMEOUT_MS = 120_000;

export function createFrontDoor(content: ContentModule): Server {
  const server = createServer({
    maxHeaderSize: MAX_HEADER_BYTES,
    requestTimeout: REQUEST_TIMEOUT_MS,
    headersTimeout: 10_000,
    keepAliveTimeout: 30_000,
    connectionsCheckingInterval: 250,
    requireHostHeader: true,
    joinDuplicateHeaders: false,
  }, content.handleRequest);
  server.maxHeadersCount = MAX_HEADER_LINES + 1;
  server.on('upgrade', content.handleUpgrade);
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    // A response already in progress on this connection cannot be followed by another one.
    if (err.code === 'ECONNRESET' || !socket.writable || (socket as Socket & { _httpMessage?: unknown })._httpMessage) {
      socket.destroy();
      return;
    }
    content.totals.rejected++;
    switch (err.code) {
      case 'HPE_HEADER_OVERFLOW':
        writeRawProblem(socket, { status: 431, slug: 'header-fields-too-large', title: 'Request header fields too large', detail: `headers exceed ${MAX_HEADER_BYTES} bytes` });
        return;
      case 'ERR_HTTP_REQUEST_TIMEOUT':
        writeRawProblem(socket, { status: 408, slug: 'request-timeout', title: 'Request timeout', detail: 'the request was not received in time' });
        return;
      case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
        writeRawProblem(socket, { status: 413, slug: 'content-too-large', title: 'Content too large', detail: 'chunk extensions too large' });
        return;
      default:
        writeRawProblem(socket, { status: 400, slug: 'bad-request', title: 'Bad request', detail: `malformed HTTP request (${err.code ?? 'parse error'})` });
    }
  });
  content.onSettings((s: AgentSettingsDto) => {
    server.headersTimeout = s.requestHeadersTimeoutMs;
    server.requestTimeout = Math.max(REQUEST_TIMEOUT_MS, s.requestHeadersTimeoutMs + 1);
    server.maxConnections = s.maxClientConnections;
  });
  return server;
}
