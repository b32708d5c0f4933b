import { registerDecorator, ValidationOptions } from 'class-validator';

const KEY = /^[A-Za-z0-9._/-]{1,63}$/;
const FORBIDDEN = new Set(['__proto__', 'constructor', 'prototype']);

/** A flat map of label keys to string values, at most 32 entries, no prototype-polluting keys. */
export function IsLabelMap(options?: ValidationOptions) {
  return (object: object, propertyName: string) =>
    registerDecorator({
      name: 'isLabelMap',
      target: object.constructor,
      propertyName,
      options: { message: `${propertyName} must map up to 32 keys of [A-Za-z0-9._/-] to strings of at most 63 characters`, ...options },
      validator: {
        validate(value: unknown) {
          if (value === undefined) return true;
          if (!value || typeof value !== 'object' || Array.isArray(value)) return false;
          const entries = Object.entries(value);
          return entries.length <= 32 && entries.every(([k, v]) => KEY.test(k) && !FORBIDDEN.has(k) && typeof v === 'string' && v.length <= 63);
        },
      },
    });
}
