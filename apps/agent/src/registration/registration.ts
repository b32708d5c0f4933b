import { join } from 'node:path';
import type { Logger } from 'pino';
import { request } from 'undici';
import { readJsonFile, writeFileAtomic } from '../state-files';

/** The agent's identity, kept in STATE_DIR/identity.json (mode 0600). */
export interface AgentIdentity {
  id: string;
  credential: string;
  name: string;
  managementUrl: string;
  enrolledAt: string;
}

export class EnrolmentError extends Error {}

export const IDENTITY_FILE = 'identity.json';

/**
 * Returns the identity on disk, or enrols with the enrolment token and stores the new one.
 * A restarted agent reuses its identity and never enrols twice.
 */
export async function ensureIdentity(opts: { stateDir: string; managementUrl: string; enrolmentToken?: string; name: string; version: string; log: Logger }): Promise<AgentIdentity> {
  const path = join(opts.stateDir, IDENTITY_FILE);
  const existing = await readJsonFile<AgentIdentity>(path);
  if (existing?.id && existing.credential) {
    opts.log.info({ agentId: existing.id }, 'identity loaded from state directory');
    return existing;
  }
  if (!opts.enrolmentToken) throw new EnrolmentError(`no identity in ${path} and no ENROLMENT_TOKEN to enrol with`);
  const res = await request(new URL('/v1/agents/enrol', opts.managementUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ token: opts.enrolmentToken, name: opts.name, softwareVersion: opts.version }),
    headersTimeout: 10_000,
    bodyTimeout: 10_000,
  });
  const body = (await res.body.json().catch(() => ({}))) as { id?: string; credential?: string; detail?: string };
  if (res.statusCode !== 201 || !body.id || !body.credential) {
    throw new EnrolmentError(`enrolment refused (${res.statusCode}): ${body.detail ?? 'no detail'}`);
  }
  const identity: AgentIdentity = { id: body.id, credential: body.credential, name: opts.name, managementUrl: opts.managementUrl, enrolledAt: new Date().toISOString() };
  await writeFileAtomic(path, JSON.stringify(identity, null, 2), 0o600);
  opts.log.info({ agentId: identity.id }, 'enrolled with the management API');
  return identity;
}

/** Sends heartbeats every interval until stopped; failures are logged, never fatal. */
export function startHeartbeats(opts: { identity: AgentIdentity; intervalMs: number; version: string; address?: string; log: Logger; configVersion?: () => number | null }): { stop: () => void; beat: () => Promise<boolean> } {
  const url = new URL(`/v1/agents/${opts.identity.id}/heartbeat`, opts.identity.managementUrl);
  let failures = 0;
  const beat = async (): Promise<boolean> => {
    try {
      const res = await request(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${opts.identity.credential}` },
        // The applied revision rides along, so an ack lost in an outage is recovered by the next beat.
        body: JSON.stringify({ softwareVersion: opts.version, ...(opts.address ? { address: opts.address } : {}), ...(opts.configVersion?.() ? { configVersion: opts.configVersion() } : {}) }),
        headersTimeout: 5000,
        bodyTimeout: 5000,
      });
      await res.body.dump();
      if (res.statusCode !== 200) throw new Error(`heartbeat answered ${res.statusCode}`);
      if (failures > 0) opts.log.info({ after: failures }, 'management API reachable again');
      failures = 0;
      return true;
    } catch (err) {
      failures += 1;
      if (failures === 1 || failures % 10 === 0) opts.log.warn({ err: (err as Error).message, failures }, 'heartbeat failed');
      return false;
    }
  };
  void beat();
  const timer = setInterval(() => void beat(), opts.intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer), beat };
}
