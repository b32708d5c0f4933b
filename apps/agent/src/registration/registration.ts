import { join } from 'node:path';
import type { Logger } from 'pino';
import { ApiError, describeFailure, HeadroomClient, problemDetail, withDeadline } from '../management-client';
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
export async function ensureIdentity(opts: { client: HeadroomClient; stateDir: string; managementUrl: string; enrolmentToken?: string; name: string; version: string; log: Logger }): Promise<AgentIdentity> {
  const path = join(opts.stateDir, IDENTITY_FILE);
  const existing = await readJsonFile<AgentIdentity>(path);
  if (existing?.id && existing.credential) {
    opts.log.info({ agentId: existing.id }, 'identity loaded from state directory');
    return existing;
  }
  if (!opts.enrolmentToken) throw new EnrolmentError(`no identity in ${path} and no ENROLMENT_TOKEN to enrol with`);
  let enrolled: { id?: string; credential?: string };
  try {
    enrolled = await withDeadline(opts.client.agents.enrolAgent({ requestBody: { token: opts.enrolmentToken, name: opts.name, softwareVersion: opts.version } }), 10_000, 'enrolment');
  } catch (err) {
    // An answer other than 201 will not change by retrying (main stops with it); no answer might.
    if (err instanceof ApiError) throw new EnrolmentError(`enrolment refused (${err.status}): ${problemDetail(err) ?? 'no detail'}`);
    throw new Error(`enrolment: ${describeFailure(err)}`, { cause: err });
  }
  if (!enrolled?.id || !enrolled.credential) throw new EnrolmentError('enrolment answered without an id and credential');
  const identity: AgentIdentity = { id: enrolled.id, credential: enrolled.credential, name: opts.name, managementUrl: opts.managementUrl, enrolledAt: new Date().toISOString() };
  await writeFileAtomic(path, JSON.stringify(identity, null, 2), 0o600);
  opts.log.info({ agentId: identity.id }, 'enrolled with the management API');
  return identity;
}

/** Sends heartbeats every interval until stopped; failures are logged, never fatal. */
export function startHeartbeats(opts: { client: HeadroomClient; identity: AgentIdentity; intervalMs: number; version: string; address?: string; log: Logger; configVersion?: () => number | null }): { stop: () => void; beat: () => Promise<boolean> } {
  let failures = 0;
  const beat = async (): Promise<boolean> => {
    try {
      const configVersion = opts.configVersion?.();
      await withDeadline(opts.client.agents.agentHeartbeat({
        id: opts.identity.id,
        // The applied revision rides along, so an ack lost in an outage is recovered by the next beat.
        requestBody: { softwareVersion: opts.version, ...(opts.address ? { address: opts.address } : {}), ...(configVersion ? { configVersion } : {}) },
      }), 5000, 'heartbeat');
      if (failures > 0) opts.log.info({ after: failures }, 'management API reachable again');
      failures = 0;
      return true;
    } catch (err) {
      failures += 1;
      if (failures === 1 || failures % 10 === 0) opts.log.warn({ err: `heartbeat ${describeFailure(err)}`, failures }, 'heartbeat failed');
      return false;
    }
  };
  void beat();
  const timer = setInterval(() => void beat(), opts.intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer), beat };
}
