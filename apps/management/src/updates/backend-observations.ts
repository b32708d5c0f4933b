/** What an agent last reported about one backend. */
export interface BackendObservation {
  healthy: boolean;
  /** The agent no longer sends it new requests. */
  draining: boolean;
  /** Removed from the agent's configuration and every in-flight request has finished. */
  drained: boolean;
}

/** Reads the agents' reports for verification; the telemetry module provides it. */
export abstract class BackendObservations {
  /** The backend states in the agent's reports received after `since`, or null when none arrived. */
  abstract reportedSince(agentId: string, since: Date): Promise<Map<string, BackendObservation> | null>;
}
