import { windowAndNewest } from './analyser.service';

/** Readers that answer in turn, as successive statements would while reports commit between them. */
function readers(windows: Array<Array<{ at: number }>>, newest: number | null) {
  const calls = { window: 0, newest: 0 };
  return {
    calls,
    readWindow: async () => windows[Math.min(calls.window++, windows.length - 1)],
    readNewest: async () => {
      calls.newest++;
      return newest;
    },
  };
}

describe('a pool window and its newest report', () => {
  it('takes the newest from the samples when the window has some, without asking for it', async () => {
    const now = Date.now();
    const r = readers([[{ at: now - 2000 }, { at: now - 1000 }]], now);
    expect(await windowAndNewest(10_000, r.readWindow, r.readNewest)).toEqual({ samples: [{ at: now - 2000 }, { at: now - 1000 }], newest: now - 1000 });
    expect(r.calls).toEqual({ window: 1, newest: 0 });
  });

  it('reads the window again when a report newer than its start was stored after the window was read', async () => {
    const now = Date.now();
    const r = readers([[], [{ at: now }]], now);
    expect(await windowAndNewest(10_000, r.readWindow, r.readNewest)).toEqual({ samples: [{ at: now }], newest: now });
    expect(r.calls.window).toBe(2);
  });

  it('gives an old newest report as it is: silence, not a race', async () => {
    const old = Date.now() - 60_000;
    const r = readers([[]], old);
    expect(await windowAndNewest(10_000, r.readWindow, r.readNewest)).toEqual({ samples: [], newest: old });
    expect(r.calls.window).toBe(1);
  });

  it('gives null when the service never reported', async () => {
    const r = readers([[]], null);
    expect(await windowAndNewest(10_000, r.readWindow, r.readNewest)).toEqual({ samples: [], newest: null });
  });
});
