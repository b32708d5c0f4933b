import { allowedTransitions, canTransition } from './server-state';
import { SERVER_STATES } from './server.entity';

describe('server state machine', () => {
  it.each([
    ['free', 'allocating'],
    ['allocating', 'allocated'],
    ['allocated', 'draining'],
    ['draining', 'free'],
    ['allocating', 'free'],
    ['allocated', 'quarantined'],
    ['quarantined', 'free'],
    ['free', 'retired'],
  ] as const)('allows %s → %s', (from, to) => {
    expect(canTransition(from, to)).toBe(true);
  });

  it.each([
    ['free', 'allocated'],
    ['free', 'draining'],
    ['allocated', 'free'],
    ['allocated', 'retired'],
    ['draining', 'allocated'],
    ['retired', 'free'],
    ['quarantined', 'allocated'],
  ] as const)('forbids %s → %s', (from, to) => {
    expect(canTransition(from, to)).toBe(false);
  });

  it('never leaves retired and never transitions to itself', () => {
    expect(allowedTransitions('retired')).toEqual([]);
    for (const s of SERVER_STATES) expect(canTransition(s, s)).toBe(false);
  });
});
