import type { INestApplication } from '@nestjs/common';
import Ajv from 'ajv6';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** A loose view of the parts of an OpenAPI 3.0 document the contract tests read. */
export interface OpenApiDoc {
  paths: Record<string, Record<string, { operationId: string; security?: unknown[]; requestBody?: unknown; responses: Record<string, { content?: Record<string, { schema: unknown }> }> }>>;
  components: { schemas: Record<string, unknown> };
}

export const METHODS = ['get', 'put', 'post', 'patch', 'delete'];

export function loadCommittedDocument(): OpenApiDoc {
  return JSON.parse(readFileSync(join(__dirname, '..', '..', 'openapi', 'openapi.json'), 'utf8')) as OpenApiDoc;
}

/**
 * OpenAPI 3.0 schema -> JSON Schema draft 7 as ajv 6 reads it: `nullable` becomes a null type,
 * and objects with declared properties reject undeclared ones, so a response carrying a field the
 * document does not mention fails the contract instead of slipping through.
 */
export function toJsonSchema(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(toJsonSchema);
  if (!schema || typeof schema !== 'object') return schema;
  const src = schema as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(src)) {
    if (k === 'nullable' || k === 'example' || k === 'xml') continue;
    out[k] = k === 'properties' ? Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([p, s]) => [p, toJsonSchema(s)])) : toJsonSchema(v);
  }
  if (out.properties && out.additionalProperties === undefined) out.additionalProperties = false;
  if (src.nullable === true) {
    if (typeof out.type === 'string' && !out.$ref && !out.allOf) {
      out.type = [out.type, 'null'];
      if (Array.isArray(out.enum)) out.enum = [...(out.enum as unknown[]), null];
      return out;
    }
    return { anyOf: [out, { type: 'null' }] };
  }
  return out;
}

/** Validates response bodies against the document's schema for an operation and status. */
export class ResponseValidator {
  private readonly ajv = new Ajv({ allErrors: true, unknownFormats: 'ignore', schemaId: 'auto' });
  private readonly components: unknown;
  // Compiled once per operation, status and media type: every e2e response passes through here.
  private readonly compiled = new Map<string, ReturnType<InstanceType<typeof Ajv>['compile']>>();

  constructor(private readonly doc: OpenApiDoc) {
    this.components = { schemas: toJsonSchema(doc.components.schemas) };
  }

  /** Throws with the schema errors unless body matches; returns the operationId it checked. */
  validate(method: string, path: string, status: number, contentType: string, body: unknown): string {
    const op = this.doc.paths[path]?.[method.toLowerCase()];
    if (!op) throw new Error(`${method} ${path} is not in the document`);
    const res = op.responses[String(status)];
    if (!res) throw new Error(`${op.operationId}: status ${status} is not documented (documented: ${Object.keys(op.responses).join(', ')})`);
    const mediaType = contentType.split(';')[0].trim();
    if (!res.content) {
      if (body !== undefined && body !== '' && !(typeof body === 'object' && body && Object.keys(body).length === 0)) throw new Error(`${op.operationId} ${status}: documented without a body, got one`);
      return op.operationId;
    }
    const media = res.content[mediaType];
    if (!media) throw new Error(`${op.operationId} ${status}: media type ${mediaType} not documented (documented: ${Object.keys(res.content).join(', ')})`);
    const cacheKey = `${op.operationId} ${status} ${mediaType}`;
    let check = this.compiled.get(cacheKey);
    if (!check) {
      check = this.ajv.compile({ allOf: [toJsonSchema(media.schema)], components: this.components } as object);
      this.compiled.set(cacheKey, check);
    }
    if (!check(body)) throw new Error(`${op.operationId} ${status} does not match its schema: ${this.ajv.errorsText(check.errors, { separator: '\n  ' })}\nbody: ${JSON.stringify(body).slice(0, 500)}`);
    return op.operationId;
  }
}

/** Methods an OpenAPI path item can describe. */
const OPENAPI_METHODS = new Set(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']);

/**
 * Every route the booted Express app serves, as "METHOD /path/{param}". Nest mounts global
 * middleware (request logging) as a catch-all route registered for every method Express knows,
 * WebDAV verbs included; a controller never does that, so such layers are middleware, not API.
 */
export function servedRoutes(t: { app: INestApplication }): string[] {
  const express = t.app.getHttpAdapter().getInstance() as { router: { stack: Array<{ route?: { path: string; methods: Record<string, boolean> } }> } };
  const out = new Set<string>();
  for (const layer of express.router.stack) {
    if (!layer.route) continue;
    if (Object.keys(layer.route.methods).some((m) => !OPENAPI_METHODS.has(m))) continue;
    const path = layer.route.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
    for (const [m, on] of Object.entries(layer.route.methods)) if (on && m !== '_all') out.add(`${m.toUpperCase()} ${path}`);
  }
  return [...out].sort();
}
