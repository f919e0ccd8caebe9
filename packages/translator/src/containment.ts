/**
 * Containment of exceptions, one object at a time. User mistakes are status conditions; an exception
 * while translating an object is a bug of ours, and it must cost that object only (Envoy Gateway:
 * "A translation error for one resource never stops the others"). Each object-sized step of the
 * translation (a route, a Gateway, an Ingress, a BackendTLSPolicy, a GatewayClass) runs inside
 * `containObject`: when it throws, the object is left out, its status says so where it has a status
 * (reason `TranslationError`), and the failure is returned in `TranslationResult.failures` for the
 * server to log (with the stack) and count (`portico_translation_errors_total`).
 */
import type { TranslationContext } from './context.js';

/**
 * The Accepted reason of an object left out because its translation threw. Not one of the spec's
 * reasons: the route, Gateway and policy condition docs let controllers add their own ("Controllers
 * may raise this condition with other reasons, but should prefer to use the reasons listed above"),
 * and none of those says "the controller failed", which is what the owner needs to know.
 */
export const TRANSLATION_ERROR = 'TranslationError';

/** An object whose translation threw, and was left out. */
export interface TranslationFailure {
  kind: string;
  namespace?: string;
  name: string;
  /** The error's message (bounded). */
  message: string;
  /** The error's stack, for the log; never put in a status. */
  stack?: string;
  /**
   * The gateway (IR name) that is missing from the result because of this failure: the server keeps
   * serving that gateway's last good config rather than removing it.
   */
  gateway?: string;
}

/** What contained code needs to know about the object it works on. */
export interface ContainedObject {
  kind: string;
  metadata: { namespace?: string; name: string };
}

const MAX_MESSAGE = 300;

/** Runs `work` for `object`; if it throws, records the failure and returns `fallback()` instead. */
export function containObject<T>(ctx: TranslationContext, object: ContainedObject, work: () => T, fallback: (failure: TranslationFailure) => T): T {
  try {
    return work();
  } catch (error) {
    return fallback(recordFailure(ctx, object, error));
  }
}

/**
 * containObject for each of `items` (each standing for the object `objectOf` gives) in turn: the
 * same containment, with one `work` and one `fallback` for the whole list rather than two closures
 * per item (thousands of routes per edit).
 */
export function containEach<T>(ctx: TranslationContext, items: Iterable<T>, objectOf: (item: T) => ContainedObject, work: (item: T) => void, fallback: (item: T, failure: TranslationFailure) => void): void {
  for (const item of items) {
    try {
      work(item);
    } catch (error) {
      fallback(item, recordFailure(ctx, objectOf(item), error));
    }
  }
}

export function recordFailure(ctx: TranslationContext, object: ContainedObject, error: unknown): TranslationFailure {
  const e = error instanceof Error ? error : new Error(String(error));
  const namespace = object.metadata?.namespace;
  const failure: TranslationFailure = {
    kind: object.kind,
    ...(namespace ? { namespace } : {}),
    name: String(object.metadata?.name),
    message: e.message.length > MAX_MESSAGE ? `${e.message.slice(0, MAX_MESSAGE)}…` : e.message,
    ...(e.stack ? { stack: e.stack } : {}),
  };
  ctx.failures.push(failure);
  return failure;
}

/** The status message of an object left out: what happened, what it means, what to do. */
export function failureMessage(failure: TranslationFailure): string {
  return `Portico failed to translate this object (an internal error, logged with its stack) and left it out; the other objects are unaffected. Changing the object retries it. Error: ${failure.message}`;
}
