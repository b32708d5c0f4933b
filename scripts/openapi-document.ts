import type { OpenAPIObject, OperationObject, PathItemObject, ResponseObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { dump } from 'js-yaml';
import { XML_EXTENSION, XmlDocOptions } from '../apps/management/src/common/api-xml';

/** HTTP methods in the order they are written to the document. */
export const METHODS = ['get', 'put', 'post', 'patch', 'delete', 'head', 'options', 'trace'] as const;
export type Method = (typeof METHODS)[number];

const PROBLEM_REF = { $ref: '#/components/schemas/ProblemDto' };

/** One line per tag in the rendered docs; a tag missing here still gets a generic line. */
const TAG_DESCRIPTIONS: Record<string, string> = {
  agents: 'Edge agents: enrolment, heartbeats and assignment to services.',
  audit: 'The audit log of every mutating call.',
  auth: 'API keys and enrolment tokens.',
  capabilities: 'What a server or an agent has been seen to sustain within its latency objective, learned from telemetry.',
  decisions: 'The analyser\'s scaling decisions per service, with the evidence, the policy that led to them and their outcome.',
  events: 'The event stream (Server-Sent Events, resumable with Last-Event-ID) and signed webhooks that deliver the same events.',
  health: 'Liveness and readiness probes (no key needed).',
  policies: 'Scaling policies of a service: target tracking or thresholds, one live and one shadow.',
  pools: 'The free pool and each service\'s allocated pool.',
  queues: 'Job counts of the work queues.',
  servers: 'Backend servers and their state machine.',
  services: 'Services: what clients request and where it is routed.',
  telemetry: 'Agents\' performance reports in, metrics and backend states out, and the Prometheus exposition.',
  updates: 'Configuration delivery to agents: the long poll, acks, and each update\'s rollout with its per-agent state.',
};

export interface DocumentInfo {
  version: string;
}

/** Visits every operation of a document. */
export function forEachOperation(doc: OpenAPIObject, fn: (path: string, method: Method, op: OperationObject) => void): void {
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const method of METHODS) {
      const op = (item as PathItemObject)[method];
      if (op) fn(path, method, op);
    }
  }
}

function sortKeys<T extends object>(obj: T, compare?: (a: string, b: string) => number): T {
  return Object.fromEntries(Object.entries(obj).sort(([a], [b]) => (compare ? compare(a, b) : a < b ? -1 : a > b ? 1 : 0))) as T;
}

/** JSON media types get an XML twin; problem+json gets problem+xml. */
function addXmlTwins(content: Record<string, { schema?: unknown }> | undefined, root?: string): void {
  if (!content) return;
  const json = content['application/json'];
  const xml = content['application/xml'];
  if (json && xml && root && JSON.stringify(xml.schema) === JSON.stringify(json.schema)) {
    // Declared through @ApiConsumes/@ApiProduces: same schema, so only the root name is missing.
    content['application/xml'] = { ...xml, schema: { allOf: [xml.schema], xml: { name: root } } };
  } else if (json && !xml) {
    // A $ref cannot carry siblings in OpenAPI 3.0, so the root element name needs an allOf wrapper.
    content['application/xml'] = root && json.schema ? { ...json, schema: { allOf: [json.schema], xml: { name: root } } } : json;
  }
  if (content['application/problem+json'] && !content['application/problem+xml']) content['application/problem+xml'] = { schema: { allOf: [PROBLEM_REF], xml: { name: 'problem' } } };
}

function applyXml(op: OperationObject): void {
  const bag = op as unknown as Record<string, unknown>;
  const ext = bag[XML_EXTENSION] as XmlDocOptions | undefined;
  if (!ext) return;
  delete bag[XML_EXTENSION];
  if (ext.request !== false && op.requestBody && 'content' in op.requestBody) addXmlTwins(op.requestBody.content as Record<string, { schema?: unknown }>, ext.root);
  for (const [status, res] of Object.entries(op.responses)) {
    const content = (res as ResponseObject).content as Record<string, { schema?: unknown }> | undefined;
    const success = /^2/.test(status);
    if (success && ext.response === false) continue;
    addXmlTwins(content, success ? ext.root : undefined);
  }
}

/**
 * Turns the raw @nestjs/swagger output into the published document: fills in what the
 * decorators leave implicit (public security, the 500 problem, XML twins, tag list), checks
 * what must not be missing, and orders everything so regenerating gives identical bytes.
 */
export function finalizeDocument(raw: OpenAPIObject, info: DocumentInfo): OpenAPIObject {
  const doc = JSON.parse(JSON.stringify(raw)) as OpenAPIObject;
  const missing: string[] = [];
  const ids = new Map<string, string>();
  const tags = new Set<string>();

  forEachOperation(doc, (path, method, op) => {
    const where = `${method.toUpperCase()} ${path}`;
    if (!op.operationId) missing.push(`${where}: operationId`);
    else if (ids.has(op.operationId)) missing.push(`${where}: operationId ${op.operationId} also used by ${ids.get(op.operationId)}`);
    else ids.set(op.operationId, where);
    if (!op.summary) missing.push(`${where}: summary (@ApiOperation)`);
    if (!op.tags?.length) missing.push(`${where}: tag (@ApiTags)`);
    for (const t of op.tags ?? []) tags.add(t);

    // Routes without @ApiBearerAuth are the @Public() ones; the contract test checks that claim.
    op.security = op.security?.length ? [{ bearer: [] }] : [];

    const responses = op.responses as Record<string, ResponseObject>;
    const success = Object.keys(responses).filter((s) => /^2/.test(s));
    if (!success.length) missing.push(`${where}: a 2xx response (@ApiOkResponse / @ApiCreatedResponse / @ApiNoContentResponse)`);
    for (const s of success) {
      const res = responses[s];
      if (!res.description) res.description = s === '201' ? 'Created' : s === '204' ? 'No content' : 'OK';
      if (s !== '204' && !res.content) missing.push(`${where}: a schema for the ${s} response`);
    }
    if (!responses['500']) {
      responses['500'] = { description: 'unexpected error; the detail is hidden, quote the requestId', content: { 'application/problem+json': { schema: PROBLEM_REF } } };
    }
    applyXml(op);
    op.responses = sortKeys(responses);
    if (op.parameters?.length === 0) delete op.parameters;
  });
  for (const tag of tags) if (!TAG_DESCRIPTIONS[tag]) missing.push(`tag ${tag}: a description (TAG_DESCRIPTIONS in scripts/openapi-document.ts)`);
  if (missing.length) throw new Error(`the OpenAPI document is incomplete:\n  ${missing.join('\n  ')}`);

  const paths: Record<string, PathItemObject> = {};
  for (const path of Object.keys(doc.paths).sort()) {
    const item = doc.paths[path] as Record<string, unknown>;
    paths[path] = sortKeys(item, (a, b) => rank(a) - rank(b) || (a < b ? -1 : 1)) as PathItemObject;
  }
  const schemas = sortKeys(doc.components?.schemas ?? {}) as Record<string, Record<string, unknown>>;
  // RFC 9457 lets a problem carry extension members (`resource`, `id`, `states`, ...).
  if (schemas.ProblemDto) schemas.ProblemDto.additionalProperties = true;

  return {
    openapi: doc.openapi,
    info: {
      title: 'Headroom management API',
      version: info.version,
      description:
        'Capacity on demand for HTTP services: servers, pools, services, agents and the decisions that move servers between pools.\n\n' +
        'Every call needs `Authorization: Bearer <API key>` except the health probes and agent enrolment. ' +
        'Errors are RFC 9457 `application/problem+json` (`application/problem+xml` on the XML endpoints).',
      license: { name: 'Proprietary', url: 'https://headroom.dev/license' },
    },
    servers: [{ url: 'http://localhost:8080', description: 'a local management API (npm run management)' }],
    tags: [...tags].sort().map((name) => ({ name, description: TAG_DESCRIPTIONS[name] })),
    paths,
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'An API key (scopes admin, read, agent) or an agent credential from enrolment.' },
      },
      schemas,
    },
  };
}

function rank(key: string): number {
  const i = (METHODS as readonly string[]).indexOf(key);
  return i < 0 ? -1 : i;
}

/** The committed JSON form: two-space indent, trailing newline. */
export function renderJson(doc: OpenAPIObject): string {
  return `${JSON.stringify(doc, null, 2)}\n`;
}

/** The committed YAML form; no anchors, so each schema reads on its own. */
export function renderYaml(doc: OpenAPIObject): string {
  return dump(doc, { noRefs: true, lineWidth: 120, sortKeys: false });
}
