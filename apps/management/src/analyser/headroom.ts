/**
 * The headroom maths: from a policy, the service's current size, its telemetry and the recent
 * history of recommendations and scale events, what the service should do now and why.
 * Pure functions, no I/O; the analyser gathers the inputs and stores the result as evidence.
 */

export const METRICS = ['inflight_per_server', 'rps_per_server', 'p95_latency_ms', 'error_rate', 'cpu', 'load'] as const;
export type Metric = (typeof METRICS)[number];
export const COMPARISONS = ['>', '>=', '<', '<='] as const;
export type Comparison = (typeof COMPARISONS)[number];

/** Metrics whose per-server value is a total spread over the servers (adding servers divides it). */
const ADDITIVE: ReadonlySet<Metric> = new Set(['inflight_per_server', 'rps_per_server']);

export interface ThresholdRule {
  comparison: Comparison;
  value: number;
  /** The metric must satisfy the comparison in every interval of this many seconds. */
  forSeconds: number;
  /** Servers added (scale-out) or removed (scale-in) when the rule fires. */
  step: number;
}

export interface PolicySpec {
  type: 'target-tracking' | 'threshold';
  metric: Metric;
  target?: number | null;
  scaleOut?: ThresholdRule | null;
  scaleIn?: ThresholdRule | null;
  /** Fraction of the target inside which nothing changes (0.1 = ±10 %). */
  tolerance: number;
  min: number;
  max: number;
  scaleOutStabilizationSeconds: number;
  scaleInStabilizationSeconds: number;
  cooldownSeconds: number;
  /** null: no limit. */
  maxAddPerMinute: number | null;
  /** At most this many scale changes per rolling hour; null: no limit. */
  flapBudgetPerHour: number | null;
}

export interface MetricPoint {
  /** End of the interval, ms since the epoch. */
  t: number;
  v: number;
}

export interface TelemetryView {
  /** The metric per server now (from each agent's newest fresh report), or null when none is fresh. */
  value: number | null;
  /** Servers that the fresh reports show serving the service. */
  reporting: number;
  /** Age of the newest report for the service, ms; null when there is none at all. */
  ageMs: number | null;
  /** Older than this, telemetry counts as stale. */
  staleAfterMs: number;
  /** Per-interval values over the evaluation window, oldest first (threshold rules and evidence). */
  window: MetricPoint[];
  /** Per-server throughput the service's servers sustain within its latency objective (rps), if learned. */
  capabilityRps?: number | null;
  /** Total requests/s of the service now, when known. */
  totalRps?: number | null;
  /**
   * Agents that carried the service lately and still route it, but whose telemetry for it is now
   * stale (one description each, naming the agent). The value above then reads only the others'
   * share of the load: scale-in is held; scale-out on the data present is allowed, since silence
   * can only hide load, never add it.
   */
  silentAgents?: string[];
}

/**
 * A recommendation the analyser made. The history is a step function: each entry holds from its
 * `at` until the next one (the analyser stores only the changes), so the value at the start of a
 * window is the newest entry older than the window.
 */
export interface Recommendation {
  at: number;
  recommended: number;
}

export interface ScaleEvent {
  at: number;
  /** Servers added (> 0) or removed (< 0). */
  delta: number;
}

export interface EvaluationInput {
  now: number;
  policy: PolicySpec;
  /** Servers the service holds (allocated and allocating). */
  current: number;
  /** A scale change not yet settled (a pending decision, servers still allocating). */
  inProgress: string | null;
  telemetry: TelemetryView;
  /** Earlier recommendations (change points of a step function), any order. */
  history: Recommendation[];
  /** When the analyser's recommendation history begins (the earliest it can vouch for). */
  historySince: number;
  /** Executed scale changes, any order. */
  scaleEvents: ScaleEvent[];
}

export type Action = 'scale_out' | 'scale_in' | 'no_change' | 'hold';

export interface Evaluation {
  action: Action;
  current: number;
  /** What the metric alone asks for, clamped to [min, max]; null when it could not be computed. */
  recommended: number | null;
  /** What the service should hold after this decision. */
  desired: number;
  delta: number;
  reason: string;
  formula: string;
  /** Each rule that shaped the result, in order (clamp, stabilisation, cooldown, rate limit, flap budget). */
  limits: string[];
}

/** ceil that forgives floating-point noise (4 × 4/4 must be 4, not 5). */
export function ceilSafe(x: number): number {
  return Math.ceil(x - 1e-9);
}

export function clamp(n: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, n));
}

export function compare(v: number, c: Comparison, ref: number): boolean {
  switch (c) {
    case '>': return v > ref;
    case '>=': return v >= ref;
    case '<': return v < ref;
    case '<=': return v <= ref;
  }
}

/** Target tracking: how many servers keep the metric per server at the target. */
export function targetTrackingDesired(metric: Metric, value: number, target: number, current: number, reporting: number, tolerance: number): { desired: number; formula: string; withinTolerance: boolean } {
  const ratio = value / target;
  const base = ADDITIVE.has(metric) && reporting > 0 ? reporting : current;
  const formula = `ceil(${base} × ${round(value)} / ${target}) = ceil(${round(base * ratio)})`;
  if (Math.abs(ratio - 1) <= tolerance + 1e-9) return { desired: current, formula: `${formula}; |${round(ratio)} − 1| ≤ tolerance ${tolerance}`, withinTolerance: true };
  // A service with no server serving cannot be sized from a per-server value; keep at least one.
  const desired = Math.max(1, ceilSafe(Math.max(base, 1) * ratio));
  return { desired, formula, withinTolerance: false };
}

/** Threshold rules: a rule fires when every interval of its last `forSeconds` satisfies it. */
export function ruleFires(rule: ThresholdRule, window: MetricPoint[], now: number): boolean {
  const since = now - rule.forSeconds * 1000;
  const inside = window.filter((p) => p.t > since);
  if (!inside.length) return false;
  // The window must reach back to `since`: the oldest point inside may not be much younger than it.
  const oldest = Math.min(...inside.map((p) => p.t));
  const spanOk = rule.forSeconds === 0 || oldest - since <= Math.max(1500, rule.forSeconds * 250);
  return spanOk && inside.every((p) => compare(p.v, rule.comparison, rule.value));
}

/** How long a scale-in may wait past its window for falling recommendations to age out: half the window, at most 30 s. */
export function scaleInSettleMs(windowSeconds: number): number {
  return Math.min(windowSeconds * 500, 30_000);
}

/** The values a step-function history (sorted by time) takes within [since, now]: the one in force at `since`, then the later ones. */
export function windowValues(steps: Recommendation[], since: number): number[] {
  let before: Recommendation | null = null;
  const inside: number[] = [];
  for (const h of steps) {
    if (h.at <= since) before = h;
    else inside.push(h.recommended);
  }
  return before ? [before.recommended, ...inside] : inside;
}

/**
 * When the window first held nothing at or above `current`: the end of the last step at or above
 * it, plus the window. null when the history shows no such step (nothing to wait for).
 */
export function windowClearedAt(steps: Recommendation[], current: number, windowMs: number): number | null {
  for (let i = steps.length - 1; i >= 0; i--) {
    if (steps[i].recommended >= current) return i + 1 < steps.length ? steps[i + 1].at + windowMs : null;
  }
  return null;
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

/**
 * One evaluation. Order: bounds, settled state, fresh telemetry, raw recommendation, min/max,
 * stabilisation windows, cooldown, rate limit, flap budget. Enforcing min/max bypasses the
 * telemetry, cooldown and flap checks: a service below its minimum is never left there.
 */
export function evaluate(input: EvaluationInput): Evaluation {
  const { policy: p, current, now, telemetry: tv } = input;
  const limits: string[] = [];
  const result = (action: Action, desired: number, reason: string, formula: string, recommended: number | null): Evaluation => ({
    action, current, recommended, desired, delta: desired - current, reason, formula, limits,
  });
  if (input.inProgress) return result('hold', current, `scaling in progress: ${input.inProgress}`, 'none', null);
  if (current < p.min) return result('scale_out', p.min, `below the minimum of ${p.min}`, `max(current ${current}, min ${p.min})`, p.min);
  if (current > p.max) return result('scale_in', p.max, `above the maximum of ${p.max}`, `min(current ${current}, max ${p.max})`, p.max);

  const stale = tv.value === null || tv.ageMs === null || tv.ageMs > tv.staleAfterMs;
  if (stale) {
    const why = tv.ageMs === null ? 'no telemetry for the service'
      : tv.ageMs > tv.staleAfterMs ? `telemetry stale: newest report ${Math.round(tv.ageMs / 1000)} s old (limit ${Math.round(tv.staleAfterMs / 1000)} s)`
      : 'no fresh sample of the metric';
    return result('hold', current, `holding capacity: ${why}; never scale in on silence`, 'none', null);
  }
  const value = tv.value as number;

  let raw: number;
  let formula: string;
  if (p.type === 'target-tracking') {
    const t = targetTrackingDesired(p.metric, value, p.target as number, current, tv.reporting, p.tolerance);
    raw = t.desired;
    formula = t.formula;
    if (p.metric === 'rps_per_server' && tv.capabilityRps && tv.capabilityRps > 0 && tv.totalRps !== null && tv.totalRps !== undefined && !t.withinTolerance) {
      // The servers cannot sustain the target within the latency objective: size by what they can.
      const byCapability = ceilSafe(tv.totalRps / Math.min(tv.capabilityRps, p.target as number));
      if (byCapability > raw) {
        raw = byCapability;
        formula += `; by capability ceil(${round(tv.totalRps)} rps / ${round(tv.capabilityRps)} rps per server) = ${byCapability}`;
      }
    }
  } else {
    const out = p.scaleOut && ruleFires(p.scaleOut, tv.window, now);
    const inn = p.scaleIn && ruleFires(p.scaleIn, tv.window, now);
    if (out) {
      raw = current + p.scaleOut!.step;
      formula = `${p.metric} ${p.scaleOut!.comparison} ${p.scaleOut!.value} for ${p.scaleOut!.forSeconds} s → current ${current} + ${p.scaleOut!.step}`;
    } else if (inn) {
      raw = current - p.scaleIn!.step;
      formula = `${p.metric} ${p.scaleIn!.comparison} ${p.scaleIn!.value} for ${p.scaleIn!.forSeconds} s → current ${current} − ${p.scaleIn!.step}`;
    } else {
      raw = current;
      formula = `no rule held for its whole period (value now ${round(value)})`;
    }
  }

  const recommended = clamp(raw, p.min, p.max);
  if (recommended !== raw) limits.push(`clamped ${raw} to [${p.min}, ${p.max}]`);
  if (recommended === current) return result('no_change', current, raw === current ? 'metric within the policy' : `at the ${raw > current ? 'maximum' : 'minimum'}`, formula, recommended);
  if (recommended < current && tv.silentAgents?.length) {
    // Part of the service's telemetry is missing: the low reading may be that agent's silence, not
    // less load. Not recorded as a recommendation, so it cannot count towards a later scale-in.
    limits.push(`partial telemetry recommends ${recommended}`);
    return result('hold', current, `holding scale-in: telemetry stale from agent(s) ${tv.silentAgents.join(', ')}; never scale in on silence`, formula, null);
  }

  let desired = recommended;
  const steps = [...input.history].filter((h) => h.at <= now).sort((a, b) => a.at - b.at);
  const inWindow = (seconds: number) => windowValues(steps, now - seconds * 1000);
  if (recommended > current) {
    if (p.scaleOutStabilizationSeconds > 0) {
      if (input.historySince > now - p.scaleOutStabilizationSeconds * 1000) {
        return result('hold', current, `scale-out stabilisation: history covers less than ${p.scaleOutStabilizationSeconds} s`, formula, recommended);
      }
      // Scale out only as far as every recommendation in the window agrees.
      const lowest = Math.min(recommended, ...inWindow(p.scaleOutStabilizationSeconds));
      if (lowest < recommended) limits.push(`scale-out stabilisation: lowest recommendation in ${p.scaleOutStabilizationSeconds} s is ${lowest}`);
      desired = Math.max(current, lowest);
    }
  } else {
    if (input.historySince > now - p.scaleInStabilizationSeconds * 1000) {
      return result('hold', current, `scale-in stabilisation: recommendations observed for less than ${p.scaleInStabilizationSeconds} s`, formula, recommended);
    }
    // Scale in only to the highest recommendation in the window.
    const highest = Math.max(recommended, ...inWindow(p.scaleInStabilizationSeconds));
    if (highest > recommended) limits.push(`scale-in stabilisation: highest recommendation in ${p.scaleInStabilizationSeconds} s is ${highest}`);
    desired = Math.min(current, highest);
    if (desired < current && highest > recommended) {
      // The window has just cleared the current size, but it still holds recommendations made
      // while the load was falling; they age out within seconds. Acting now would step down
      // through each (4→3→2→1, each behind the cooldown); settling briefly goes straight to
      // what the load needs. Bounded, so a load that keeps falling still scales in.
      const settle = scaleInSettleMs(p.scaleInStabilizationSeconds);
      const clearedAt = windowClearedAt(steps, current, p.scaleInStabilizationSeconds * 1000);
      if (clearedAt !== null && now < clearedAt + settle) {
        limits.push(`scale-in settling: recommendations still falling (highest ${highest}, now ${recommended}); waiting up to ${Math.round(settle / 1000)} s past the window`);
        return result('hold', current, limits[limits.length - 1], formula, recommended);
      }
    }
  }
  if (desired === current) return result('no_change', current, limits[limits.length - 1] ?? 'stabilising', formula, recommended);

  const lastEvent = input.scaleEvents.reduce<number | null>((acc, e) => (acc === null || e.at > acc ? e.at : acc), null);
  if (p.cooldownSeconds > 0 && lastEvent !== null && now - lastEvent < p.cooldownSeconds * 1000) {
    limits.push(`cooldown: last change ${Math.round((now - lastEvent) / 1000)} s ago, cooldown ${p.cooldownSeconds} s`);
    return result('hold', current, limits[limits.length - 1], formula, recommended);
  }
  if (desired > current && p.maxAddPerMinute !== null) {
    const added = input.scaleEvents.filter((e) => e.delta > 0 && e.at > now - 60_000).reduce((a, e) => a + e.delta, 0);
    const room = Math.max(0, p.maxAddPerMinute - added);
    if (room === 0) {
      limits.push(`rate limit: ${added} server(s) added in the last minute, limit ${p.maxAddPerMinute}`);
      return result('hold', current, limits[limits.length - 1], formula, recommended);
    }
    if (desired - current > room) {
      limits.push(`rate limit: adding ${room} of ${desired - current} (limit ${p.maxAddPerMinute} per minute)`);
      desired = current + room;
    }
  }
  if (p.flapBudgetPerHour !== null) {
    const changes = input.scaleEvents.filter((e) => e.at > now - 3_600_000).length;
    if (changes >= p.flapBudgetPerHour) {
      limits.push(`flap budget: ${changes} change(s) in the last hour, budget ${p.flapBudgetPerHour}`);
      return result('hold', current, limits[limits.length - 1], formula, recommended);
    }
  }
  const action: Action = desired > current ? 'scale_out' : 'scale_in';
  const verb = action === 'scale_out' ? 'above' : 'below';
  const reason = p.type === 'target-tracking' ? `${p.metric} ${round(value)} is ${verb} the target ${p.target} beyond tolerance ${p.tolerance}` : `${p.metric} ${round(value)}: ${action === 'scale_out' ? 'scale-out' : 'scale-in'} rule held`;
  return result(action, desired, reason, formula, recommended);
}
