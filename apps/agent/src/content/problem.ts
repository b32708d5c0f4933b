/** RFC 9457 problem responses from the data plane, written without any framework. */
import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { STATUS_CODES } from 'node:http';

const TYPE_BASE = 'https://headroom.dev/problems/';

export interface DataPlaneProblem {
  status: number;
  slug: string;
  title: string;
  detail?: string;
  instance?: string;
  requestId?: string;
  headers?: Record<string, string>;
}

function body(p: DataPlaneProblem): string {
  return JSON.stringify({ type: TYPE_BASE + p.slug, title: p.title, status: p.status, detail: p.detail, instance: p.instance, requestId: p.requestId });
}

/** Answers with a problem+json body unless the response has already started. */
export function sendProblem(res: ServerResponse, p: DataPlaneProblem): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const b = body(p);
  const headers: Record<string, string | number> = { 'content-type': 'application/problem+json', 'content-length': Buffer.byteLength(b), ...(p.headers ?? {}) };
  if (p.requestId) headers['x-request-id'] = p.requestId;
  res.writeHead(p.status, headers);
  res.end(b);
}

/** Writes a problem straight onto a socket (client errors, refused upgrades) and closes it. */
export function writeRawProblem(socket: Socket, p: DataPlaneProblem): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const b = body(p);
  const extra = Object.entries(p.headers ?? {}).map(([k, v]) => `${k}: ${v}\r\n`).join('');
  socket.end(`HTTP/1.1 ${p.status} ${STATUS_CODES[p.status] ?? 'Error'}\r\ncontent-type: application/problem+json\r\ncontent-length: ${Buffer.byteLength(b)}\r\nconnection: close\r\n${extra}\r\n${b}`);
  // Do not wait for a slow or hostile client to read it.
  setTimeout(() => socket.destroy(), 1000).unref();
}
