import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { loadCommittedDocument, METHODS, OpenApiDoc, ResponseValidator } from '../contract/openapi-validator';

/** What one test app's responses told us about the document. */
export interface ContractRecorder {
  /** operationIds whose success (2xx/304) response was checked against the document. */
  validated(): Set<string>;
  /** Every operationId in the document. */
  operations(): string[];
  /** Responses that did not match the document, one line each. */
  violations(): string[];
  /** A test that forges data the API would refuse (SQL straight into a table) names the mismatch it expects. */
  tolerate(pattern: RegExp): void;
}

interface Route { method: string; template: string; pattern: RegExp }

function routesOf(doc: OpenApiDoc): Route[] {
  const out: Route[] = [];
  for (const [template, item] of Object.entries(doc.paths)) {
    const pattern = new RegExp('^' + template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+') + '$');
    for (const method of Object.keys(item)) if (METHODS.includes(method)) out.push({ method, template, pattern });
  }
  // Literal segments win over parameters (/v1/agents/enrol before /v1/agents/{id}).
  return out.sort((a, b) => (a.template.match(/\{/g)?.length ?? 0) - (b.template.match(/\{/g)?.length ?? 0));
}

let shared: { doc: OpenApiDoc; validator: ResponseValidator; routes: Route[] } | undefined;

/**
 * Validates every response the server sends against the committed openapi/openapi.json, so each
 * e2e suite checks the document as a side effect of its own requests. It listens ahead of Express
 * and copies what the response writes; event streams are checked by media type only (they never
 * end), XML by media type (the JSON twin carries the schema). Paths the document does not know
 * (404 probes, /docs) are not its business and are skipped.
 */
export function recordContract(server: Server): ContractRecorder {
  shared ??= (() => {
    const doc = loadCommittedDocument();
    return { doc, validator: new ResponseValidator(doc), routes: routesOf(doc) };
  })();
  const { doc, validator, routes } = shared;
  const validated = new Set<string>();
  const violations: string[] = [];
  const tolerated: RegExp[] = [];

  server.prependListener('request', (req: IncomingMessage, res: ServerResponse) => {
    const method = (req.method ?? 'GET').toLowerCase();
    const path = (req.url ?? '/').split('?')[0];
    const route = routes.find((r) => r.method === method && r.pattern.test(path));
    if (!route) return;
    const chunks: Buffer[] = [];
    let streaming = false;
    // writeHead(status, headers) bypasses getHeader(); Nest's event streams set their type that way.
    let headType: string | undefined;
    const contentTypeOf = () => String(res.getHeader('content-type') ?? headType ?? '');
    const writeHead = res.writeHead.bind(res) as (...a: unknown[]) => ServerResponse;
    (res as unknown as { writeHead: (...a: unknown[]) => ServerResponse }).writeHead = (...a: unknown[]) => {
      const headers = a.find((x, i) => i > 0 && x && typeof x === 'object') as Record<string, unknown> | undefined;
      const entry = headers && Object.entries(headers).find(([k]) => k.toLowerCase() === 'content-type');
      if (entry) headType = String(entry[1]);
      return writeHead(...a);
    };
    const capture = (chunk: unknown, encoding?: unknown) => {
      if (streaming || chunk === undefined || chunk === null || typeof chunk === 'function') return;
      if (contentTypeOf().startsWith('text/event-stream')) {
        streaming = true;
        chunks.length = 0;
        return;
      }
      chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8'));
    };
    const write = res.write.bind(res) as (...a: unknown[]) => boolean;
    const end = res.end.bind(res) as (...a: unknown[]) => ServerResponse;
    (res as unknown as { write: (...a: unknown[]) => boolean }).write = (...a: unknown[]) => {
      capture(a[0], a[1]);
      return write(...a);
    };
    (res as unknown as { end: (...a: unknown[]) => ServerResponse }).end = (...a: unknown[]) => {
      capture(a[0], a[1]);
      return end(...a);
    };
    const check = () => {
      const status = res.statusCode;
      const contentType = contentTypeOf();
      const text = Buffer.concat(chunks).toString('utf8');
      const mediaType = contentType.split(';')[0].trim();
      let body: unknown = text === '' ? undefined : text;
      if (/[/+]json$/.test(mediaType) && text !== '') {
        try {
          body = JSON.parse(text);
        } catch {
          violations.push(`${method.toUpperCase()} ${route.template} ${status}: ${mediaType} body is not JSON`);
          return;
        }
      }
      try {
        const op = doc.paths[route.template][method];
        const documented = op.responses[String(status)]?.content;
        if (documented && mediaType === 'application/problem+xml' && documented['application/problem+json']) {
          // The problem filter answers XML clients in XML on every route (docs/conventions: "XML
          // clients get application/problem+xml"); the document lists it only where the operation
          // itself speaks XML. Same ProblemDto, other encoding.
        } else if (documented && mediaType && !/[/+]json$/.test(mediaType)) {
          // Non-JSON bodies (XML, text/plain, event streams): the media type must be documented.
          if (!documented[mediaType]) throw new Error(`${op.operationId} ${status}: media type ${mediaType} not documented (documented: ${Object.keys(documented).join(', ')})`);
        } else {
          validator.validate(method, route.template, status, contentType, body);
        }
        if ((status >= 200 && status < 300) || status === 304) validated.add(op.operationId);
      } catch (err) {
        violations.push(`${method.toUpperCase()} ${path} -> ${(err as Error).message}`);
      }
    };
    res.once('finish', check);
    // A stream the client drops never finishes; what it announced is still worth checking.
    res.once('close', () => {
      if (streaming && !res.writableFinished) check();
    });
  });

  return {
    validated: () => new Set(validated),
    operations: () => Object.values(doc.paths).flatMap((item) => Object.entries(item).filter(([m]) => METHODS.includes(m)).map(([, op]) => op.operationId)).sort(),
    violations: () => violations.filter((v) => !tolerated.some((p) => p.test(v))),
    tolerate: (pattern) => void tolerated.push(pattern),
  };
}
