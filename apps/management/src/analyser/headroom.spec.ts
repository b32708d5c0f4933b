import fc from 'fast-check';
import { ceilSafe, evaluate, Evaluation, EvaluationInput, PolicySpec, Recommendation, ruleFires, ScaleEvent, targetTrackingDesired, windowValues } from './headroom';

const NOW = 1_800_000_000_000;

const policy = (p: Partial<PolicySpec> = {}): PolicySpec => ({
  type: 'target-tracking', metric: 'inflight_per_server', target: 4, tolerance: 0.1, min: 1, max: 5,
  scaleOutStabilizationSeconds: 0, scaleInStabilizationSeconds: 300, cooldownSeconds: 0, maxAddPerMinute: null, flapBudgetPerHour: null, ...p,
});

const input = (i: Partial<EvaluationInput> & { value?: number | null; reporting?: number } = {}): EvaluationInput => ({
  now: NOW, policy: policy(), current: 1, inProgress: null, history: [], historySince: NOW - 3_600_000, scaleEvents: [],
  telemetry: { value: i.value === undefined ? 4 : i.value, reporting: i.reporting ?? i.current ?? 1, ageMs: 500, staleAfterMs: 5000, window: [] },
  ...i,
});

describe('headroom maths', () => {
  describe(targetTrackingDesired.name, () => {
    it.each([
      // metric, value, target, current, reporting, expected
      ['inflight_per_server', 16, 4, 1, 1, 4],
      ['inflight_per_server', 4, 4, 4, 4, 4],
      ['inflight_per_server', 1, 4, 4, 4, 1],
      ['inflight_per_server', 4.4, 4, 3, 3, 3], // inside ±10 %: no change
      ['inflight_per_server', 4.5, 4, 3, 3, 4],
      ['rps_per_server', 250, 100, 2, 2, 5],
      ['p95_latency_ms', 500, 250, 3, 2, 6], // not additive: scales the current size
      ['error_rate', 0.01, 0.02, 4, 4, 2],
      ['inflight_per_server', 8, 4, 3, 1, 2], // additive: sized from the servers that report
    ] as const)('%s %d against %d with %d servers (%d reporting) → %d', (metric, value, target, current, reporting, expected) => {
      expect(targetTrackingDesired(metric, value, target, current, reporting, 0.1).desired).toBe(expected);
    });

    it('forgives floating-point noise in ceil', () => {
      expect(ceilSafe(0.1 * 3 * 10)).toBe(3);
      expect(ceilSafe(3.0000001)).toBe(4);
    });
  });

  describe('evaluate', () => {
    it('scales out to the needed count in one decision', () => {
      const e = evaluate(input({ value: 16 }));
      expect(e).toMatchObject({ action: 'scale_out', current: 1, desired: 4, delta: 3, recommended: 4 });
      expect(e.formula).toContain('ceil(1 × 16 / 4)');
    });

    it('never goes above max or below min', () => {
      expect(evaluate(input({ value: 400 })).desired).toBe(5);
      expect(evaluate(input({ current: 3, value: 0 })).desired).toBe(1);
      expect(evaluate(input({ current: 0, value: null }))).toMatchObject({ action: 'scale_out', desired: 1 });
      expect(evaluate(input({ current: 7, value: 4 }))).toMatchObject({ action: 'scale_in', desired: 5 });
    });

    it('holds on missing or stale telemetry and never scales in on silence', () => {
      const missing = evaluate(input({ current: 4, value: null }));
      expect(missing).toMatchObject({ action: 'hold', desired: 4 });
      const stale = evaluate({ ...input({ current: 4, value: 0 }), telemetry: { value: 0, reporting: 4, ageMs: 60_000, staleAfterMs: 5000, window: [] } });
      expect(stale).toMatchObject({ action: 'hold', desired: 4 });
      expect(stale.reason).toMatch(/stale/);
      const none = evaluate({ ...input({ current: 4 }), telemetry: { value: null, reporting: 0, ageMs: null, staleAfterMs: 5000, window: [] } });
      expect(none.reason).toMatch(/no telemetry/);
    });

    it('partial silence: an agent that carried the service has gone stale → no scale-in on the others\' share, the hold names it; scale-out still acts', () => {
      // 2 agents × 4 servers × 2 in flight each; agent B silent: A alone reads 2 per server.
      const telemetry = { value: 2, reporting: 4, ageMs: 500, staleAfterMs: 3000, window: [], silentAgents: ['edge-b (b1; last report 60 s ago, still online)'] };
      const e = evaluate({ ...input({ current: 4, historySince: NOW - 3_600_000, policy: policy({ scaleInStabilizationSeconds: 0 }) }), telemetry });
      expect(e).toMatchObject({ action: 'hold', desired: 4, delta: 0, recommended: null });
      expect(e.reason).toMatch(/holding scale-in: telemetry stale from agent\(s\) edge-b .*never scale in on silence/);
      expect(e.limits).toContain('partial telemetry recommends 2');
      // The same reading with every agent reporting scales in.
      expect(evaluate({ ...input({ current: 4, policy: policy({ scaleInStabilizationSeconds: 0 }) }), telemetry: { ...telemetry, silentAgents: [] } })).toMatchObject({ action: 'scale_in', desired: 2 });
      // Silence can only hide load: what the others report above the target still scales out.
      expect(evaluate({ ...input({ current: 4 }), telemetry: { ...telemetry, value: 8 } })).toMatchObject({ action: 'scale_out', desired: 5 });
    });

    it('capability: rps_per_server sizes by what the servers sustain within the objective, in one step', () => {
      // 2 servers at 150 rps each (300 rps) against a target of 100: target tracking alone says 3;
      // the servers were seen to miss the latency objective above 60 rps each, so 300 / 60 → 5.
      const spec = policy({ metric: 'rps_per_server', target: 100, max: 10 });
      const telemetry = { value: 150, reporting: 2, ageMs: 500, staleAfterMs: 5000, window: [], totalRps: 300, capabilityRps: 60 };
      const e = evaluate({ ...input({ current: 2, policy: spec }), telemetry });
      expect(e).toMatchObject({ action: 'scale_out', current: 2, recommended: 5, desired: 5, delta: 3 });
      expect(e.formula).toContain('by capability ceil(300 rps / 60 rps per server) = 5');
      // Without a learned capability: the target alone.
      expect(evaluate({ ...input({ current: 2, policy: spec }), telemetry: { ...telemetry, capabilityRps: null } })).toMatchObject({ desired: 3 });
      // A capability above the target changes nothing (the target is the tighter limit).
      expect(evaluate({ ...input({ current: 2, policy: spec }), telemetry: { ...telemetry, capabilityRps: 500 } })).toMatchObject({ desired: 3 });
      // Other metrics do not use it (their per-server value is not a rate the capability bounds).
      expect(evaluate({ ...input({ current: 2, policy: policy({ max: 10 }) }), telemetry: { ...telemetry, value: 6 } })).toMatchObject({ desired: 3 });
    });

    it('holds while a change is in progress', () => {
      expect(evaluate(input({ value: 16, inProgress: 'decision d1 pending' }))).toMatchObject({ action: 'hold', desired: 1 });
    });

    it('tolerance: nothing changes within ±10 %', () => {
      expect(evaluate(input({ current: 2, value: 4.39 })).action).toBe('no_change');
      expect(evaluate(input({ current: 2, value: 3.61, historySince: NOW - 3_600_000 })).action).toBe('no_change');
    });

    it('scale-in acts on the highest recommendation in the stabilisation window (the history is a step function of changes)', () => {
      const history = [{ at: NOW - 200_000, recommended: 4 }, { at: NOW - 100_000, recommended: 3 }, { at: NOW - 10_000, recommended: 1 }];
      expect(evaluate(input({ current: 4, value: 1, history }))).toMatchObject({ action: 'no_change', desired: 4 });
      // 4 was in force until 100 s ago, so it is still the value at the start of a 300 s window.
      const changedLongAgo = [{ at: NOW - 400_000, recommended: 4 }, { at: NOW - 100_000, recommended: 1 }];
      expect(evaluate(input({ current: 4, value: 1, history: changedLongAgo }))).toMatchObject({ action: 'no_change', desired: 4 });
      const settled = [{ at: NOW - 400_000, recommended: 4 }, { at: NOW - 310_000, recommended: 1 }];
      expect(evaluate(input({ current: 4, value: 1, history: settled }))).toMatchObject({ action: 'scale_in', desired: 1 });
      // 3 (from 340 s to 100 s ago) is the highest in the window; the window cleared 4 forty
      // seconds ago, past the 30 s settling bound, so it scales in to 3.
      const older = [{ at: NOW - 400_000, recommended: 4 }, { at: NOW - 340_000, recommended: 3 }, { at: NOW - 100_000, recommended: 1 }];
      expect(evaluate(input({ current: 4, value: 1, history: older }))).toMatchObject({ action: 'scale_in', desired: 3 });
    });

    it('scale-in settles briefly past the window while the recommendations in it are still falling', () => {
      // The window cleared 4 ten seconds ago but still holds the 3 made while the load fell.
      const falling = [{ at: NOW - 400_000, recommended: 4 }, { at: NOW - 310_000, recommended: 3 }, { at: NOW - 295_000, recommended: 1 }];
      const e = evaluate(input({ current: 4, value: 1, history: falling }));
      expect(e).toMatchObject({ action: 'hold', desired: 4 });
      expect(e.reason).toMatch(/scale-in settling: recommendations still falling \(highest 3, now 1\)/);
    });

    it('windowValues: the entries inside the window and the one in force at its start', () => {
      const steps: Recommendation[] = [{ at: 1, recommended: 5 }, { at: 5, recommended: 3 }, { at: 9, recommended: 2 }];
      expect(windowValues(steps, 6)).toEqual([3, 2]);
      expect(windowValues(steps, 5)).toEqual([3, 2]);
      expect(windowValues(steps, 4.9)).toEqual([5, 3, 2]);
      expect(windowValues(steps, 0)).toEqual([5, 3, 2]);
      expect(windowValues(steps, 10)).toEqual([2]);
    });

    describe('the control loop over time (one evaluation a second, the history as the analyser stores it)', () => {
      /** Runs the loop: `total(t)` requests in flight at second t, target 4 per server; returns the decisions that acted. */
      const run = (p: PolicySpec, start: number, seconds: number, total: (t: number) => number) => {
        let current = start;
        const steps: Recommendation[] = [];
        const scaleEvents: ScaleEvent[] = [];
        const acted: Array<Evaluation & { t: number }> = [];
        for (let t = 0; t < seconds; t++) {
          const now = NOW + t * 1000;
          const e = evaluate({
            now, policy: p, current, inProgress: null, history: steps, historySince: NOW - 3_600_000, scaleEvents,
            telemetry: { value: total(t) / current, reporting: current, ageMs: 500, staleAfterMs: 5000, window: [] },
          });
          if (e.recommended !== null && steps[steps.length - 1]?.recommended !== e.recommended) steps.push({ at: now, recommended: e.recommended });
          if (e.action === 'scale_in' || e.action === 'scale_out') {
            acted.push({ ...e, t });
            scaleEvents.push({ at: now, delta: e.delta });
            current = e.desired;
          }
        }
        return acted;
      };

      it('load that falls over a few seconds → one scale-in, straight to what the load needs, right after the window', () => {
        // 16 in flight on 4 servers, then over three seconds 12, 8, 4 (as a closed loop drains).
        const p = policy({ scaleInStabilizationSeconds: 8, cooldownSeconds: 3 });
        const total = (t: number) => (t < 20 ? 16 : t === 20 ? 12 : t === 21 ? 8 : 4);
        const acted = run(p, 4, 60, total);
        expect(acted.map((e) => [e.action, e.current, e.desired])).toEqual([['scale_in', 4, 1]]);
        // The window cleared the size 4 at 21 + 8 s; the 3 and 2 made while falling aged out by 22 + 8.
        expect(acted[0].t).toBeGreaterThanOrEqual(29);
        expect(acted[0].t).toBeLessThanOrEqual(30);
      });

      it('a sudden drop → one scale-in exactly one window later', () => {
        const p = policy({ scaleInStabilizationSeconds: 8, cooldownSeconds: 3 });
        const acted = run(p, 4, 60, (t) => (t < 20 ? 16 : 4));
        expect(acted.map((e) => [e.t, e.current, e.desired])).toEqual([[28, 4, 1]]);
      });

      it('a load that keeps falling still scales in step by step, never more than the settling bound late', () => {
        // 40 in flight falling by 4 every 5 s to 4: recommendations 10, 9, ..., 1.
        const p = policy({ max: 10, scaleInStabilizationSeconds: 20, cooldownSeconds: 0 });
        const total = (t: number) => Math.max(4, 40 - 4 * Math.floor(t / 5));
        const acted = run(p, 10, 120, total);
        expect(acted.length).toBeGreaterThan(1);
        expect(acted[acted.length - 1].desired).toBe(1);
        // The first step: 10 is recommended until t = 10 (36 in flight is within the tolerance), so
        // the window cleared it at 30; settling adds at most 10 s (half the window).
        expect(acted[0].t).toBeGreaterThanOrEqual(30);
        expect(acted[0].t).toBeLessThanOrEqual(40);
        expect(acted.every((e) => e.action === 'scale_in')).toBe(true);
      });
    });

    it('does not scale in before the window has been observed (e.g. right after a restart)', () => {
      const e = evaluate(input({ current: 4, value: 1, historySince: NOW - 60_000 }));
      expect(e).toMatchObject({ action: 'hold', desired: 4 });
      expect(e.reason).toMatch(/stabilisation/);
    });

    it('scale-out stabilisation scales out only as far as the window agrees', () => {
      const p = policy({ scaleOutStabilizationSeconds: 30 });
      const history = [{ at: NOW - 20_000, recommended: 2 }, { at: NOW - 5_000, recommended: 5 }];
      expect(evaluate(input({ policy: p, value: 16, history }))).toMatchObject({ action: 'scale_out', desired: 2 });
    });

    it('cooldown holds after a recent change', () => {
      const p = policy({ cooldownSeconds: 60 });
      const e = evaluate(input({ policy: p, value: 16, scaleEvents: [{ at: NOW - 30_000, delta: -1 }] }));
      expect(e).toMatchObject({ action: 'hold', desired: 1 });
      expect(evaluate(input({ policy: p, value: 16, scaleEvents: [{ at: NOW - 61_000, delta: -1 }] })).action).toBe('scale_out');
    });

    it('limits servers added per minute', () => {
      const p = policy({ maxAddPerMinute: 2 });
      expect(evaluate(input({ policy: p, value: 16 }))).toMatchObject({ action: 'scale_out', desired: 3 });
      expect(evaluate(input({ policy: p, value: 16, scaleEvents: [{ at: NOW - 10_000, delta: 2 }] }))).toMatchObject({ action: 'hold' });
    });

    it('flap budget: at most N changes per hour', () => {
      const p = policy({ flapBudgetPerHour: 2 });
      const events = [{ at: NOW - 1_000_000, delta: 1 }, { at: NOW - 500_000, delta: -1 }];
      expect(evaluate(input({ policy: p, value: 16, scaleEvents: events })).reason).toMatch(/flap budget/);
      expect(evaluate(input({ policy: p, value: 16, scaleEvents: [{ at: NOW - 4_000_000, delta: 1 }, ...events.slice(1)] })).action).toBe('scale_out');
    });

    describe('threshold policies', () => {
      const tp = policy({
        type: 'threshold', metric: 'p95_latency_ms', target: null, min: 1, max: 6,
        scaleOut: { comparison: '>', value: 200, forSeconds: 3, step: 2 }, scaleIn: { comparison: '<', value: 50, forSeconds: 3, step: 1 }, scaleInStabilizationSeconds: 0,
      });
      const win = (vs: number[]) => vs.map((v, i) => ({ t: NOW - (vs.length - 1 - i) * 1000, v }));
      it.each([
        [[250, 260, 300, 310], 'scale_out', 4],
        [[100, 260, 300, 310], 'scale_out', 4],
        [[250, 100, 300, 310], 'no_change', 2],
        [[10, 20, 30, 40], 'scale_in', 1],
        [[10, 20, 80, 40], 'no_change', 2],
      ] as const)('window %j → %s to %d', (vs, action, desired) => {
        const values = [...vs];
        const e = evaluate({ ...input({ policy: tp, current: 2 }), telemetry: { value: values[values.length - 1], reporting: 2, ageMs: 500, staleAfterMs: 5000, window: win(values) } });
        expect(e).toMatchObject({ action, desired });
      });
      it('a rule needs its whole period observed', () => {
        expect(ruleFires({ comparison: '>', value: 1, forSeconds: 10, step: 1 }, win([5, 5]), NOW)).toBe(false);
        expect(ruleFires({ comparison: '>', value: 1, forSeconds: 2, step: 1 }, win([5, 5, 5]), NOW)).toBe(true);
      });
    });
  });

  describe('properties', () => {
    const arbPolicy = fc.record({
      min: fc.integer({ min: 0, max: 5 }), span: fc.integer({ min: 0, max: 10 }), target: fc.double({ min: 0.1, max: 100, noNaN: true }),
      tolerance: fc.double({ min: 0, max: 0.5, noNaN: true }), out: fc.integer({ min: 0, max: 60 }), inn: fc.integer({ min: 0, max: 600 }),
      cooldown: fc.integer({ min: 0, max: 120 }), maxAdd: fc.option(fc.integer({ min: 1, max: 10 })), flap: fc.option(fc.integer({ min: 1, max: 30 })),
      metric: fc.constantFrom('inflight_per_server', 'rps_per_server', 'p95_latency_ms', 'error_rate', 'cpu', 'load' as const),
    }).map((r): PolicySpec => policy({
      metric: r.metric, target: r.target, tolerance: r.tolerance, min: r.min, max: r.min + r.span, scaleOutStabilizationSeconds: r.out,
      scaleInStabilizationSeconds: r.inn, cooldownSeconds: r.cooldown, maxAddPerMinute: r.maxAdd, flapBudgetPerHour: r.flap,
    }));
    const arbInput = fc.record({
      policy: arbPolicy, current: fc.integer({ min: 0, max: 20 }), value: fc.option(fc.double({ min: 0, max: 1e4, noNaN: true })),
      ageMs: fc.option(fc.integer({ min: 0, max: 120_000 })), reporting: fc.integer({ min: 0, max: 20 }),
      history: fc.array(fc.record({ at: fc.integer({ min: NOW - 3_600_000, max: NOW }), recommended: fc.integer({ min: 0, max: 20 }) }), { maxLength: 30 }),
      historySince: fc.integer({ min: NOW - 7_200_000, max: NOW }),
      scaleEvents: fc.array(fc.record({ at: fc.integer({ min: NOW - 7_200_000, max: NOW }), delta: fc.integer({ min: -5, max: 5 }).filter((d) => d !== 0) }), { maxLength: 30 }),
      inProgress: fc.option(fc.constant('pending')),
    }).map((r): EvaluationInput => ({
      now: NOW, policy: r.policy, current: r.current, inProgress: r.inProgress, history: r.history, historySince: r.historySince, scaleEvents: r.scaleEvents,
      telemetry: { value: r.value, reporting: r.reporting, ageMs: r.ageMs, staleAfterMs: 5000, window: [] },
    }));

    it('the result moves toward [min, max] and never leaves it once inside', () => {
      fc.assert(fc.property(arbInput, (i) => {
        const e = evaluate(i);
        const { min, max } = i.policy;
        if (i.inProgress) return e.desired === i.current;
        if (i.current >= min && i.current <= max) return e.desired >= min && e.desired <= max;
        return i.current < min ? e.desired === min : e.desired === max;
      }), { numRuns: 3000 });
    });

    it('one decision, one direction: action, desired and delta agree', () => {
      fc.assert(fc.property(arbInput, (i) => {
        const e = evaluate(i);
        if (e.delta !== e.desired - e.current) return false;
        if (e.action === 'scale_out') return e.delta > 0;
        if (e.action === 'scale_in') return e.delta < 0;
        return e.delta === 0;
      }), { numRuns: 3000 });
    });

    it('never scales in without fresh telemetry unless above max', () => {
      fc.assert(fc.property(arbInput, (i) => {
        const stale = i.telemetry.value === null || i.telemetry.ageMs === null || i.telemetry.ageMs > i.telemetry.staleAfterMs;
        const e = evaluate(i);
        return !(stale && e.action === 'scale_in' && i.current <= i.policy.max);
      }), { numRuns: 3000 });
    });

    it('never scales in while an agent that carried the service is silent, unless above max', () => {
      fc.assert(fc.property(arbInput, (i) => {
        const e = evaluate({ ...i, telemetry: { ...i.telemetry, silentAgents: ['edge-b'] } });
        return !(e.action === 'scale_in' && i.current <= i.policy.max);
      }), { numRuns: 3000 });
    });

    it('never adds more per minute than allowed, nor acts inside the cooldown, except to reach min', () => {
      fc.assert(fc.property(arbInput, (i) => {
        const e = evaluate(i);
        if (e.action === 'hold' || e.action === 'no_change' || i.current < i.policy.min || i.current > i.policy.max) return true;
        const last = Math.max(-Infinity, ...i.scaleEvents.map((x) => x.at));
        if (i.policy.cooldownSeconds > 0 && NOW - last < i.policy.cooldownSeconds * 1000) return false;
        if (e.action === 'scale_out' && i.policy.maxAddPerMinute !== null) {
          const added = i.scaleEvents.filter((x) => x.delta > 0 && x.at > NOW - 60_000).reduce((a, x) => a + x.delta, 0);
          return added + e.delta <= i.policy.maxAddPerMinute;
        }
        return true;
      }), { numRuns: 3000 });
    });

    it('scale-in never goes below the highest recommendation in the window', () => {
      fc.assert(fc.property(arbInput, (i) => {
        const e = evaluate(i);
        if (e.action !== 'scale_in' || i.current > i.policy.max) return true;
        const inWin = i.history.filter((h) => h.at >= NOW - i.policy.scaleInStabilizationSeconds * 1000).map((h) => Math.min(h.recommended, i.policy.max));
        return inWin.every((r) => e.desired >= Math.min(r, i.current));
      }), { numRuns: 3000 });
    });

    it('a steady metric inside the tolerance never changes the size', () => {
      fc.assert(fc.property(fc.integer({ min: 1, max: 5 }), fc.double({ min: -0.099, max: 0.099, noNaN: true }), (current, off) => {
        const e = evaluate(input({ current, value: 4 * (1 + off), reporting: current }));
        return e.action === 'no_change';
      }));
    });
  });
});
