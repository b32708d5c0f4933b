import type { Server } from '../inventory/server.entity';
import { pickSpread, rankAgentsForClaim, rankAgentsForRelease, rankForRelease } from './selection';

const server = (id: string, zone: string | null, extra: Partial<Server> = {}): Server =>
  ({ id, name: id, zone, state: 'free', registeredAt: new Date(1000 + Number(id.replace(/\D/g, '') || 0)), stateChangedAt: new Date(0), ...extra }) as Server;

describe('allocation selection', () => {
  describe(pickSpread.name, () => {
    const candidates = [server('s1', 'a'), server('s2', 'a'), server('s3', 'b'), server('s4', 'c'), server('s5', 'a')];

    it('spreads picks over zones, filling the emptiest zone of the service first', () => {
      const picked = pickSpread(candidates, [{ zone: 'a' }, { zone: 'a' }, { zone: 'b' }], new Map(), 3, true);
      expect(picked.map((s) => s.id)).toEqual(['s4', 's3', 's1']);
    });

    it('takes the most capable first within a zone, and ignores zones when not spreading', () => {
      const caps = new Map([['s2', 500], ['s5', 900], ['s1', 100]]);
      expect(pickSpread(candidates, [], caps, 2, false).map((s) => s.id)).toEqual(['s5', 's2']);
      expect(pickSpread(candidates, [{ zone: 'b' }, { zone: 'c' }], caps, 1, true).map((s) => s.id)).toEqual(['s5']);
    });

    it('never picks more than asked or than there are', () => {
      expect(pickSpread(candidates, [], new Map(), 10, true)).toHaveLength(5);
      expect(new Set(pickSpread(candidates, [], new Map(), 10, true).map((s) => s.id)).size).toBe(5);
      expect(pickSpread([], [], new Map(), 2, true)).toEqual([]);
    });
  });

  describe(rankForRelease.name, () => {
    it('releases unhealthy servers first, then unconfirmed claims, the least capable, the newest', () => {
      const held = [
        server('h1', null, { state: 'allocated', stateChangedAt: new Date(1) }),
        server('h2', null, { state: 'allocated', stateChangedAt: new Date(5) }),
        server('h3', null, { state: 'allocating', stateChangedAt: new Date(2) }),
        server('h4', null, { state: 'allocated', stateChangedAt: new Date(3) }),
        server('h5', null, { state: 'allocated', stateChangedAt: new Date(4) }),
      ];
      const health = new Map([['h4', false]]);
      const caps = new Map([['h1', 50], ['h2', 100], ['h5', 100]]);
      expect(rankForRelease(held, health, caps).map((s) => s.id)).toEqual(['h4', 'h3', 'h1', 'h2', 'h5']);
    });
  });

  describe(rankAgentsForClaim.name, () => {
    it('takes the most capable free agent first, then the longest enrolled', () => {
      const free = [{ id: 'a1', enrolledAt: new Date(3) }, { id: 'a2', enrolledAt: new Date(1) }, { id: 'a3', enrolledAt: new Date(2) }];
      expect(rankAgentsForClaim(free, new Map([['a1', 50]])).map((a) => a.id)).toEqual(['a1', 'a2', 'a3']);
      expect(rankAgentsForClaim(free, new Map()).map((a) => a.id)).toEqual(['a2', 'a3', 'a1']);
    });
  });

  describe(rankAgentsForRelease.name, () => {
    it('releases agents gone silent first, then the least capable, then the most recently assigned', () => {
      const now = 100_000;
      const agents = [
        { id: 'fast', lastSeenAt: new Date(now - 1000), assignedAt: new Date(1) },
        { id: 'slow', lastSeenAt: new Date(now - 1000), assignedAt: new Date(1) },
        { id: 'new', lastSeenAt: new Date(now - 1000), assignedAt: new Date(5) },
        { id: 'gone', lastSeenAt: new Date(now - 60_000), assignedAt: new Date(1) },
      ];
      const caps = new Map([['fast', 900], ['slow', 100], ['gone', 2000]]);
      expect(rankAgentsForRelease(agents, caps, now, 15_000).map((a) => a.id)).toEqual(['gone', 'new', 'slow', 'fast']);
    });
  });
});
