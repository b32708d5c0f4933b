/** Why a body was refused; maps to 400 (malformed/forbidden/too-deep/too-many) or 413 (too-large). */
export type CodecErrorKind = 'malformed' | 'forbidden' | 'too-large' | 'too-deep' | 'too-many';

/** Thrown by the codec for any input it refuses; never carries the input itself. */
export class CodecError extends Error {
  constructor(readonly kind: CodecErrorKind, message: string) {
    super(message);
  }
  /** The HTTP status this refusal maps to. */
  get status(): number {
    return this.kind === 'too-large' ? 413 : 400;
  }
}

/** Caps applied to every decoded document. */
export interface DecodeLimits {
  /** characters of XML text (the byte cap is enforced earlier, by the body parser) */
  maxChars: number;
  maxDepth: number;
  /** elements (XML) or object/array nodes (JSON) */
  maxElements: number;
}

export const DEFAULT_LIMITS: DecodeLimits = { maxChars: 4 * 1024 * 1024, maxDepth: 16, maxElements: 100_000 };

/** Names that must never become object keys: they reach Object.prototype or a constructor. */
export const FORBIDDEN_NAMES: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);
