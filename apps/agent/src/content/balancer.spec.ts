import { BalancerTarget, LeastRequestBalancer, RoundRobinBalancer, slowStartFactor, WeightedRoundRobinBalancer } from './balancer';

class FakeTarget implements BalancerTarget {
  swrrCurrent = 0;
  inflight = 0;
  available = true;
  ramp = 1;
  constructor(readonly name: string, readonly weight = 1) {}
  isAvailable(): boolean { return this.available; }
  rampFactor(): number { return this.ramp; }
}

function seq(pick: () => FakeTarget | undefined, n: number): string {
  return Array.from({ length: n }, () => pick()?.name ?? '-').join('');
}

function counts(pick: () => FakeTarget | undefined, n: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const t = pick();
    if (t) out[t.name] = (out[t.name] ?? 0) + 1;
  }
  return out;
}

/** A deterministic PRNG (mulberry32) so the P2C specs are reproducible. */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe(RoundRobinBalancer.name, () => {
  it('cycles through targets in order, ignoring weights', () => {
    const sut = new RoundRobinBalancer();
    const ts = [new FakeTarget('a', 5), new FakeTarget('b', 1), new FakeTarget('c', 1)];
    expect(seq(() => sut.pick(ts, 0), 9)).toBe('abcabcabc');
  });

  it('skips unavailable and excluded targets, and returns undefined when none is left', () => {
    const sut = new RoundRobinBalancer();
    const ts = [new FakeTarget('a'), new FakeTarget('b'), new FakeTarget('c')];
    ts[1].available = false;
    expect(seq(() => sut.pick(ts, 0), 4)).toBe('acac');
    expect(sut.pick(ts, 0, ts[0])?.name).toBe('c');
    ts.forEach((t) => (t.available = false));
    expect(sut.pick(ts, 0)).toBeUndefined();
  });

  it('gives a ramping target a share proportional to its ramp factor', () => {
    const sut = new RoundRobinBalancer();
    const ts = [new FakeTarget('a'), new FakeTarget('b')];
    ts[1].ramp = 0.25;
    const c = counts(() => sut.pick(ts, 0), 1000);
    expect(c.b).toBe(200);
  });
});

describe(WeightedRoundRobinBalancer.name, () => {
  it('interleaves by weight (nginx smooth WRR sequence)', () => {
    const sut = new WeightedRoundRobinBalancer();
    const ts = [new FakeTarget('a', 5), new FakeTarget('b', 1), new FakeTarget('c', 1)];
    expect(seq(() => sut.pick(ts, 0), 7)).toBe('aabacaa');
  });

  it.each([[[1, 2, 3]], [[1, 1]], [[10, 1, 1, 3]], [[7, 13]]])('splits exactly by weights %p over a whole number of rounds', (weights) => {
    const sut = new WeightedRoundRobinBalancer();
    const ts = weights.map((w, i) => new FakeTarget(String.fromCharCode(97 + i), w));
    const total = weights.reduce((a, b) => a + b, 0);
    const c = counts(() => sut.pick(ts, 0), total * 50);
    ts.forEach((t) => expect(c[t.name]).toBe(t.weight * 50));
  });
});

describe(LeastRequestBalancer.name, () => {
  it('picks the target with fewer requests in flight of the two sampled', () => {
    const sut = new LeastRequestBalancer(rng(1));
    const ts = [new FakeTarget('a'), new FakeTarget('b')];
    ts[0].inflight = 3;
    expect(seq(() => sut.pick(ts, 0), 10)).toBe('bbbbbbbbbb');
  });

  it('never picks the busiest of three when the others are idle', () => {
    const sut = new LeastRequestBalancer(rng(2));
    const ts = [new FakeTarget('a'), new FakeTarget('b'), new FakeTarget('c')];
    ts[2].inflight = 10;
    const c = counts(() => sut.pick(ts, 0), 3000);
    expect(c.c).toBeUndefined();
    expect(Math.abs(c.a - c.b)).toBeLessThan(300);
  });

  it('splits evenly at rest with equal weights', () => {
    const sut = new LeastRequestBalancer(rng(3));
    const ts = [new FakeTarget('a'), new FakeTarget('b'), new FakeTarget('c')];
    const c = counts(() => sut.pick(ts, 0), 3000);
    ts.forEach((t) => expect(Math.abs(c[t.name] - 1000)).toBeLessThan(100));
  });

  it('follows the weights at rest when they differ, and sheds share from a busy target', () => {
    const sut = new LeastRequestBalancer(rng(4));
    const ts = [new FakeTarget('a', 1), new FakeTarget('b', 3)];
    expect(counts(() => sut.pick(ts, 0), 400)).toEqual({ a: 100, b: 300 });
    ts[1].inflight = 5; // weight 3 / 6 = 0.5 against 1 / 1
    expect(counts(() => sut.pick(ts, 0), 300)).toEqual({ a: 200, b: 100 });
  });

  it('returns the only available target without sampling', () => {
    const sut = new LeastRequestBalancer(() => { throw new Error('no sampling expected'); });
    const ts = [new FakeTarget('a'), new FakeTarget('b')];
    ts[0].available = false;
    expect(sut.pick(ts, 0)?.name).toBe('b');
  });
});

describe('slowStartFactor', () => {
  it.each([
    [undefined, 500, 1000, 1],
    [0, 0, 1000, 0.1],
    [0, 50, 1000, 0.1],
    [0, 500, 1000, 0.5],
    [0, 1000, 1000, 1],
    [0, 5000, 1000, 1],
    [0, 0, 0, 1],
  ])('since %p, now %p, window %p → %p', (since, now, window, expected) => {
    expect(slowStartFactor(since, now, window)).toBeCloseTo(expected);
  });
});
