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

  /** The same for many agents in one go; agents with no report since their time are absent. */
  abstract reportedSinceMany(since: Map<string, Date>): Promise<Map<string, Map<string, BackendObservation>>>;
}
