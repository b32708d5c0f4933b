import { LineLimiter } from './line-limiter';

describe('LineLimiter', () => {
  it('writes the first line of a window per key and tells the next written line how many it left out', () => {
    const l = new LineLimiter(10_000);
    expect(l.admit('400|a', 0)).toBe(0);
    expect(l.admit('400|a', 1)).toBeNull();
    expect(l.admit('400|a', 9_999)).toBeNull();
    // Another key has its own window.
    expect(l.admit('401|a', 2)).toBe(0);
    expect(l.admit('400|a', 10_000)).toBe(2);
    expect(l.admit('400|a', 10_001)).toBeNull();
    // A quiet key starts over with nothing left out.
    expect(l.admit('400|a', 50_000)).toBe(1);
    expect(l.admit('400|a', 70_000)).toBe(0);
  });

  it('writes at most perSecond lines a second in all, counting the ones it leaves out for their key', () => {
    const l = new LineLimiter(10_000, 2);
    expect(l.admit('a', 0)).toBe(0);
    expect(l.admit('b', 1)).toBe(0);
    expect(l.admit('c', 2)).toBeNull(); // over the cap in second 0
    expect(l.admit('x', 20_000)).toBe(0);
    expect(l.admit('y', 20_001)).toBe(0);
    // b's window is over, but second 20 has had its two lines: b's line is counted, not lost...
    expect(l.admit('b', 20_002)).toBeNull();
    // ...and b's next written line says so.
    expect(l.admit('b', 21_000)).toBe(1);
    expect(l.admit('b', 21_001)).toBeNull();
  });

  it('remembers at most maxKeys keys, dropping expired windows first', () => {
    const l = new LineLimiter(10, Infinity, 3);
    expect(l.admit('a', 0)).toBe(0);
    expect(l.admit('b', 0)).toBe(0);
    expect(l.admit('c', 5)).toBe(0);
    // a and b have expired: they make room, c's window stays.
    expect(l.admit('d', 12)).toBe(0);
    expect(l.admit('c', 13)).toBeNull();
    expect(l.admit('e', 13)).toBe(0);
    // Full of live windows: forgets them all rather than grow.
    expect(l.admit('f', 14)).toBe(0);
    expect(l.admit('c', 14)).toBe(0);
  });
});
