import type { ServerState } from './server.entity';

/**
 * The server lifecycle. free → allocating → allocated → draining → free is the
 * normal loop; allocating → free undoes a claim that was never confirmed; any
 * live state may be quarantined; only a server with no service may be retired.
 */
const TRANSITIONS: Record<ServerState, readonly ServerState[]> = {
  free: ['allocating', 'quarantined', 'retired'],
  allocating: ['allocated', 'free', 'quarantined'],
  allocated: ['draining', 'quarantined'],
  draining: ['free', 'quarantined'],
  quarantined: ['free', 'retired'],
  retired: [],
};

export function canTransition(from: ServerState, to: ServerState): boolean {
  return TRANSITIONS[from].includes(to);
}

export function allowedTransitions(from: ServerState): readonly ServerState[] {
  return TRANSITIONS[from];
}
