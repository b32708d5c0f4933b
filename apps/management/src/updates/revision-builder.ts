import { createHash } from 'node:crypto';
import { AgentSettingsDto, ConfigDocumentDto, DEFAULT_AGENT_SETTINGS, ServiceConfigDto } from '../../../../libs/protocol/src/config-document';
import type { Server } from '../inventory/server.entity';
import type { Service } from '../inventory/service.entity';

export interface BuildInput {
  agentIds: string[];
  /** agentId → the services it is assigned to; absent or empty means it serves every service. */
  assignments: Map<string, string[]>;
  services: Service[];
  /** Servers in a service's pool (allocating or allocated); draining ones are left out so agents drain them. */
  servers: Server[];
  settings?: Partial<AgentSettingsDto>;
}

/** The documents every agent must serve, without version and timestamp. */
export type DesiredDocument = Omit<ConfigDocumentDto, 'version' | 'generatedAt'>;

export const SERVING_STATES = new Set(['allocating', 'allocated']);

/** Pure: what each agent must serve right now. */
export function buildDesiredDocuments(input: BuildInput): Map<string, DesiredDocument> {
  const byService = new Map<string, Server[]>();
  for (const s of input.servers) {
    if (!s.serviceId || !SERVING_STATES.has(s.state)) continue;
    byService.set(s.serviceId, [...(byService.get(s.serviceId) ?? []), s]);
  }
  const serviceConfigs = new Map<string, ServiceConfigDto>();
  for (const svc of [...input.services].sort((a, b) => a.name.localeCompare(b.name))) {
    const backends = (byService.get(svc.id) ?? [])
      .sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id))
      .map((s) => ({
        id: s.id, name: s.name, host: s.host, port: s.port, protocol: s.protocol, weight: s.weight,
        ...(s.maxConnections ? { maxConnections: s.maxConnections } : {}),
      }));
    serviceConfigs.set(svc.id, {
      id: svc.id, name: svc.name, match: { ...svc.match }, algorithm: svc.algorithm, healthCheck: { ...svc.healthCheck },
      ...(svc.loadEndpoint ? { loadEndpoint: svc.loadEndpoint } : {}),
      backends,
    });
  }
  const settings = { ...DEFAULT_AGENT_SETTINGS, ...(input.settings ?? {}) };
  const out = new Map<string, DesiredDocument>();
  for (const agentId of input.agentIds) {
    const assigned = input.assignments.get(agentId);
    const services = assigned?.length ? [...serviceConfigs.values()].filter((s) => assigned.includes(s.id)) : [...serviceConfigs.values()];
    out.set(agentId, { agentId, settings, services });
  }
  return out;
}

/** Stable digest of a desired document (keys sorted), to tell whether anything changed. */
export function digestOf(doc: DesiredDocument): string {
  return createHash('sha256').update(canonical(doc)).digest('hex');
}

function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v as object).sort().map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

/** Backends (server ids) present in a document. */
export function backendIdsOf(doc: { services: { backends: { id: string }[] }[] } | null | undefined): Set<string> {
  const ids = new Set<string>();
  for (const s of doc?.services ?? []) for (const b of s.backends) ids.add(b.id);
  return ids;
}
