import type { Server } from '../inventory/server.entity';

/**
 * Scale-out choice: most capable first, spread over zones (each pick goes to the zone where the
 * service has the fewest servers so far, counting the picks). Pure.
 */
export function pickSpread(candidates: Server[], holding: Pick<Server, 'zone'>[], capability: Map<string, number>, want: number, spread: boolean): Server[] {
  const byCapability = [...candidates].sort((a, b) => (capability.get(b.id) ?? 0) - (capability.get(a.id) ?? 0) || a.registeredAt.getTime() - b.registeredAt.getTime() || a.id.localeCompare(b.id));
  if (!spread) return byCapability.slice(0, want);
  const inZone = new Map<string, number>();
  for (const s of holding) inZone.set(s.zone ?? '', (inZone.get(s.zone ?? '') ?? 0) + 1);
  const left = [...byCapability];
  const out: Server[] = [];
  while (out.length < want && left.length) {
    const zones = [...new Set(left.map((s) => s.zone ?? ''))];
    zones.sort((a, b) => (inZone.get(a) ?? 0) - (inZone.get(b) ?? 0));
    const zone = zones[0];
    const i = left.findIndex((s) => (s.zone ?? '') === zone);
    const [s] = left.splice(i, 1);
    out.push(s);
    inZone.set(zone, (inZone.get(zone) ?? 0) + 1);
  }
  return out;
}

/**
 * Scale-in choice, least useful first: servers the agents report unhealthy, then claims the
 * agents do not serve yet, then the least capable, then the most recently allocated. Pure.
 */
export function rankForRelease(holding: Server[], healthy: Map<string, boolean>, capability: Map<string, number>): Server[] {
  const score = (s: Server) => [healthy.get(s.id) === false ? 0 : 1, s.state === 'allocating' ? 0 : 1, capability.get(s.id) ?? 0, -s.stateChangedAt.getTime()];
  return [...holding].sort((a, b) => {
    const x = score(a);
    const y = score(b);
    for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return x[i] - y[i];
    return a.id.localeCompare(b.id);
  });
}

/** Agent scale-out choice: most capable first (own requests/s within the objective), then the longest enrolled. Pure. */
export function rankAgentsForClaim<T extends { id: string; enrolledAt: Date }>(candidates: T[], capability: Map<string, number>): T[] {
  return [...candidates].sort((a, b) => (capability.get(b.id) ?? 0) - (capability.get(a.id) ?? 0) || a.enrolledAt.getTime() - b.enrolledAt.getTime() || a.id.localeCompare(b.id));
}

/**
 * Agent scale-in choice, least useful first: agents not seen within `onlineMs` (they serve no
 * one), then the least capable, then the most recently assigned. Pure.
 */
export function rankAgentsForRelease<T extends { id: string; lastSeenAt: Date | null; assignedAt: Date }>(assigned: T[], capability: Map<string, number>, now: number, onlineMs: number): T[] {
  const score = (a: T) => [a.lastSeenAt !== null && now - a.lastSeenAt.getTime() <= onlineMs ? 1 : 0, capability.get(a.id) ?? 0, -a.assignedAt.getTime()];
  return [...assigned].sort((a, b) => {
    const x = score(a);
    const y = score(b);
    for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return x[i] - y[i];
    return a.id.localeCompare(b.id);
  });
}
