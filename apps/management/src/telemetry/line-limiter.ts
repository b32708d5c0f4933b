/**
 * At most one log line per key every `everyMs`: the first line of a window is written, the
 * others are counted, and the next written line says how many were left out. A fleet whose
 * credential was revoked, or an overloaded instance shedding reports, would otherwise write a
 * warning per report (agents × reports/s).
 */
export class LineLimiter {
  private readonly windows = new Map<string, { until: number; suppressed: number }>();

  constructor(
    private readonly everyMs: number,
    /** Keys remembered at most (a client naming random agents cannot grow the map without bound). */
    private readonly maxKeys = 10_000,
  ) {}

  /** null: leave this line out; a number: write it, saying that many were left out before it. */
  admit(key: string, now = Date.now()): number | null {
    const w = this.windows.get(key);
    if (w && now < w.until) {
      w.suppressed++;
      return null;
    }
    if (!w && this.windows.size >= this.maxKeys) {
      for (const [k, old] of this.windows) if (old.until <= now) this.windows.delete(k);
      if (this.windows.size >= this.maxKeys) this.windows.clear();
    }
    const suppressed = w?.suppressed ?? 0;
    this.windows.set(key, { until: now + this.everyMs, suppressed: 0 });
    return suppressed;
  }
}
