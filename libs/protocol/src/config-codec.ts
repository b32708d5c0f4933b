import { DecodeLimits, DEFAULT_LIMITS } from '../../codec/src/errors';
import { decodeXml, encodeXml, XmlDocumentSchema, XmlElementSchema } from '../../codec/src/xml';
import type { ConfigDocumentDto } from './config-document';

const n = 'number' as const;
const s = 'string' as const;

const BACKEND: XmlElementSchema = {
  attrs: { id: s, name: s, host: s, port: n, protocol: s, weight: n, maxConnections: n },
  children: { tls: { tag: 'tls', schema: { attrs: { servername: s, rejectUnauthorized: 'boolean' } } } },
};

const SERVICE: XmlElementSchema = {
  attrs: { id: s, name: s, algorithm: s, loadEndpoint: s },
  children: {
    match: { tag: 'match', schema: { attrs: { host: s, pathPrefix: s } } },
    healthCheck: { tag: 'healthCheck', schema: { attrs: { path: s, intervalMs: n, timeoutMs: n, healthyThreshold: n, unhealthyThreshold: n } } },
    backends: { tag: 'backend', array: true, schema: BACKEND },
  },
};

const SETTINGS: XmlElementSchema = {
  attrs: {
    reportIntervalMs: n, drainTimeoutMs: n, connectTimeoutMs: n, responseHeadersTimeoutMs: n, idleBodyTimeoutMs: n,
    requestHeadersTimeoutMs: n, maxClientConnections: n, outlierConsecutiveFailures: n, outlierBaseEjectionMs: n,
    retryBudgetPercent: n, slowStartMs: n,
  },
};

/**
 * The XML form of a configuration document (see libs/protocol/config-document.md): scalars as
 * attributes, objects as child elements, arrays as repeated elements. Round-trips exactly with JSON.
 */
export const CONFIG_DOCUMENT_XML: XmlDocumentSchema = {
  root: 'config',
  schema: {
    attrs: { version: n, agentId: s, generatedAt: s },
    children: {
      settings: { tag: 'settings', schema: SETTINGS },
      services: { tag: 'service', array: true, schema: SERVICE },
    },
  },
};

/** Limits for configuration documents: shallow, but a big fleet has many backends. */
export const CONFIG_LIMITS: DecodeLimits = { ...DEFAULT_LIMITS, maxDepth: 8, maxElements: 200_000, maxChars: 16 * 1024 * 1024 };

export function encodeConfigXml(doc: ConfigDocumentDto | Record<string, unknown>): string {
  return encodeXml(doc as unknown as Record<string, unknown>, CONFIG_DOCUMENT_XML);
}

/** Decodes the XML form into the plain shape validateConfigDocument checks (not yet validated). */
export function decodeConfigXml(xml: string, limits: DecodeLimits = CONFIG_LIMITS): Record<string, unknown> {
  return decodeXml(xml, CONFIG_DOCUMENT_XML, limits);
}
