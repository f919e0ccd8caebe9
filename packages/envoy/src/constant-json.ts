/**
 * Constant proto3 JSON: sub-messages that builders share between resources (the load-balancing
 * policy list, the HTTP protocol options and the ADS config source of every EDS cluster…). They are
 * deep-frozen, so nothing can change them after they are made, and registered, so the encoder may
 * keep their bytes per message type (json-encoder.ts) and the consistency walk the names they hold.
 *
 * Freezing alone would not do as the mark: some other code may freeze an object only shallowly,
 * and the bytes of a message with a mutable child could go stale.
 */
import type { Proto3Json } from './codec.js';

const constants = new WeakSet<object>();

/** `json`, deep-frozen and marked constant (the same object: build it once, at module load or memoized). */
export function constantJson<T extends Proto3Json>(json: T): Readonly<T> {
  deepFreeze(json);
  constants.add(json);
  return json;
}

/** Whether `value` was made by constantJson (so it and everything in it never changes). */
export function isConstantJson(value: object): boolean {
  return constants.has(value);
}

function deepFreeze(value: unknown): void {
  if (value === null || typeof value !== 'object') return;
  Object.freeze(value); // children too, even under an object someone else froze: shallowly, maybe
  for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
}
