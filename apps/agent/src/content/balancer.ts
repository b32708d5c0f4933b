/**
 * Load balancers. Pure: they see targets through the small `BalancerTarget` interface, so the
 * unit specs drive them with plain objects and the proxy with live backends.
 */
import type { LbAlgorithm } from '../../../../libs/protocol/src/config-document';

export interface BalancerTarget {
  /** Routable now: healthy (or nothing better), not ejected, not draining, under maxConnections. */
  isAvailable(now: number): boolean;
  /** Configured weight, >= 1. */
  readonly weight: number;
  /** Slow-start ramp, in (0, 1]; see slowStartFactor. */
  rampFactor(now: number): number;
  readonly inflight: number;
  /** Smooth weighted round robin state, owned by the balancer. */
  swrrCurrent: number;
}

export interface Balancer {
  readonly algorithm: LbAlgorithm;
  pick<T extends BalancerTarget>(targets: readonly T[], now: number, exclude?: T): T | undefined;
}

/**
 * Smooth weighted round robin (nginx's): every pick adds each target's weight to its current
 * value, takes the largest and subtracts the total from it. Equal weights give plain round
 * robin; unequal ones interleave (5,1,1 → a a b a c a a) instead of bursting.
 */
function swrr<T extends BalancerTarget>(targets: readonly T[], now: number, exclude: T | undefined, weightOf: (t: T) => number): T | undefined {
  let total = 0;
  let best: T | undefined;
  for (const t of targets) {
    if (t === exclude || !t.isAvailable(now)) continue;
    const w = weightOf(t);
    t.swrrCurrent += w;
    total += w;
    if (best === undefined || t.swrrCurrent > best.swrrCurrent) best = t;
  }
  if (best !== undefined) best.swrrCurrent -= total;
  return best;
}

/** Round robin: every target counts once, scaled only by its slow-start ramp. */
export class RoundRobinBalancer implements Balancer {
  readonly algorithm = 'round_robin' as const;
  pick<T extends BalancerTarget>(targets: readonly T[], now: number, exclude?: T): T | undefined {
    return swrr(targets, now, exclude, (t) => t.rampFactor(now));
  }
}

/** Smooth weighted round robin over the configured weights (with the slow-start ramp). */
export class WeightedRoundRobinBalancer implements Balancer {
  readonly algorithm = 'weighted_round_robin' as const;
  pick<T extends BalancerTarget>(targets: readonly T[], now: number, exclude?: T): T | undefined {
    return swrr(targets, now, exclude, (t) => t.weight * t.rampFactor(now));
  }
}

/**
 * Least requests. With equal weights: power of two random choices, the one with fewer requests
 * in flight (ties at random). With unequal weights (Envoy's rule): weighted round robin over
 * weight / (in-flight + 1), so at rest the split follows the weights and a busy target sheds
 * share.
 */
export class LeastRequestBalancer implements Balancer {
  readonly algorithm = 'least_request' as const;
  constructor(private readonly random: () => number = Math.random) {}

  pick<T extends BalancerTarget>(targets: readonly T[], now: number, exclude?: T): T | undefined {
    let n = 0;
    let w0 = -1;
    let equal = true;
    let only: T | undefined;
    for (const t of targets) {
      if (t === exclude || !t.isAvailable(now)) continue;
      n++;
      only = t;
      const w = t.weight * t.rampFactor(now);
      if (w0 < 0) w0 = w;
      else if (Math.abs(w - w0) > 1e-9) equal = false;
    }
    if (n <= 1) return only;
    if (!equal) return swrr(targets, now, exclude, (t) => t.weight * t.rampFactor(now) / (t.inflight + 1));
    const i = Math.floor(this.random() * n);
    let j = Math.floor(this.random() * (n - 1));
    if (j >= i) j++;
    let a: T | undefined;
    let b: T | undefined;
    let k = 0;
    for (const t of targets) {
      if (t === exclude || !t.isAvailable(now)) continue;
      if (k === i) a = t;
      if (k === j) b = t;
      k++;
    }
    if (a === undefined || b === undefined) return a ?? b;
    if (a.inflight !== b.inflight) return a.inflight < b.inflight ? a : b;
    return this.random() < 0.5 ? a : b;
  }
}

export function createBalancer(algorithm: LbAlgorithm, random: () => number = Math.random): Balancer {
  switch (algorithm) {
    case 'round_robin': return new RoundRobinBalancer();
    case 'weighted_round_robin': return new WeightedRoundRobinBalancer();
    case 'least_request': return new LeastRequestBalancer(random);
  }
}

/**
 * Slow start: a target that just became routable gets a share growing linearly from 10% to
 * 100% of its weight over `windowMs` (Envoy's min_weight_percent default), so a cold backend is
 * not handed a full share at once.
 */
export function slowStartFactor(sinceMs: number | undefined, now: number, windowMs: number): number {
  if (windowMs <= 0 || sinceMs === undefined) return 1;
  const f = (now - sinceMs) / windowMs;
  return f >= 1 ? 1 : Math.max(0.1, f);
}
