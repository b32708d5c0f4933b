/**
 * At most one log line per key every `everyMs`, and at most `perSecond` lines a second in all:
 * a line that is not written is counted against its key, and the key's next written line says
 * how many were left out. A fleet whose credential was revoked, or an overloaded instance
 * shedding reports, would otherwise write a warning per report (agents × reports/s); the cap in
 * all holds when every line names a different key.
 */
export class LineLimiter {
  private readonly windows = new Map<string, { until: number; suppressed: number }>();
  private second = -1;
  private writtenThisSecond = 0;

  constructor(
    private readonly everyMs: number,
    private readonly perSecond = Infinity,
    /** Keys remembered at most (a client naming random keys cannot grow the map without bound). */
    private readonly maxKeys = 10_000,
  ) {}

  /** null: leave this line out; a number: write it, saying that many were left out before it. */
  admit(key: string, now = Date.now()): number | null {
    const w = this.windows.get(key);
    if (w && now < w.until) {
      w.suppressed++;
      return null;
    }
    const second = Math.floor(now / 1000);
    if (second !== this.second) {
      this.second = second;
      this.writtenThisSecond = 0;
    }
    if (this.writtenThisSecond >= this.perSecond) {
      // Over the cap: counted for the key's next line (a key not seen yet is not remembered).
      if (w) w.suppressed++;
      return null;
    }
    this.writtenThisSecond++;
    if (!w && this.windows.size >= this.maxKeys) {
      for (const [k, old] of this.windows) if (old.until <= now) this.windows.delete(k);
      if (this.windows.size >= this.maxKeys) this.windows.clear();
    }
    const suppressed = w?.suppressed ?? 0;
    this.windows.set(key, { until: now + this.everyMs, suppressed: 0 });
    return suppressed;
  }
}
