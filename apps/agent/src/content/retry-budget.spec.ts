import { RetryBudget } from './retry-budget';

describe(RetryBudget.name, () => {
  it.each([
    // percent, active, retriesActive, allowed
    [20, 0, 0, true],
    [20, 0, 2, true],
    [20, 0, 3, false],
    [20, 100, 19, true],
    [20, 100, 20, false],
    [0, 100, 0, false],
    [100, 10, 9, true],
  ])('percent %p, %p active, %p retrying → %p', (percent, active, retrying, allowed) => {
    const sut = new RetryBudget(percent);
    sut.active = active;
    sut.retriesActive = retrying;
    expect(sut.canRetry()).toBe(allowed);
  });
});
