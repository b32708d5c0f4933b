/**
 * Retry budget (Envoy's model): retries in flight may be at most `percent` of the requests in
 * flight, with a floor of `minConcurrent` so a quiet agent can still retry. A dying backend
 * then cannot double the load on the others.
 */
export class RetryBudget {
  active = 0;
  retriesActive = 0;

  constructor(public percent: number, private readonly minConcurrent = 3) {}

  canRetry(): boolean {
    if (this.percent <= 0) return false;
    return this.retriesActive < Math.max(this.minConcurrent, Math.floor((this.active * this.percent) / 100));
  }
}
