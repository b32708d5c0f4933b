import { CodecError, DecodeLimits, DEFAULT_LIMITS, FORBIDDEN_NAMES } from './errors';

/**
 * Checks a parsed JSON value before it reaches class-transformer: bounded depth and node count,
 * and no `__proto__` / `constructor` / `prototype` keys (JSON.parse keeps `__proto__` as an own
 * key, which plainToInstance would then assign). Iterative, so deep input cannot blow the stack.
 */
export function assertSafePlain(value: unknown, limits: DecodeLimits = DEFAULT_LIMITS): void {
  const stack: Array<[unknown, number]> = [[value, 1]];
  let nodes = 0;
  while (stack.length) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (depth > limits.maxDepth) throw new CodecError('too-deep', `nesting deeper than ${limits.maxDepth}`);
    if (++nodes > limits.maxElements) throw new CodecError('too-many', `more than ${limits.maxElements} objects or arrays`);
    if (Array.isArray(v)) {
      for (const item of v) if (item !== null && typeof item === 'object') stack.push([item, depth + 1]);
      continue;
    }
    for (const key of Object.keys(v)) {
      if (FORBIDDEN_NAMES.has(key)) throw new CodecError('forbidden', `forbidden key "${key}"`);
      const child = (v as Record<string, unknown>)[key];
      if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
    }
  }
}
