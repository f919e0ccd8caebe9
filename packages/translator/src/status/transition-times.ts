/**
 * `lastTransitionTime` is "the last time the condition transitioned from one status to another"
 * (metav1.Condition; apimachinery `meta.SetStatusCondition` keeps it while `status` is unchanged, even
 * when reason, message or observedGeneration change). The translator stamps conditions with the
 * translation time; against the previous translation's status of the same object, every condition
 * whose status is unchanged gets its previous time back — GatewayClass, Gateway and listener
 * conditions, route parents, policy ancestors alike — so an unchanged object's status stays the same
 * from one reconcile to the next (and is the same object, so readers can skip it by identity).
 */
import type { Condition } from '@portico/resources';
import type { ObjectStatus } from '../result.js';

type Json = unknown;

const isRecord = (v: Json): v is Record<string, Json> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `status` with the times of `previous` carried; `previous` itself when the result equals it. */
export function carryTransitionTimes(status: ObjectStatus, previous: ObjectStatus | undefined): ObjectStatus {
  if (!previous || previous === status || previous.kind !== status.kind) return status;
  const carried = carry(status.status, previous.status, 'status');
  if (sameJson(carried, previous.status)) return previous;
  return carried === status.status ? status : ({ ...status, status: carried } as ObjectStatus);
}

function carry(desired: Json, previous: Json, key: string): Json {
  if (Array.isArray(desired)) {
    if (!Array.isArray(previous)) return desired;
    return key === 'conditions' ? carryConditions(desired, previous) : carryEntries(desired, previous);
  }
  if (!isRecord(desired) || !isRecord(previous)) return desired;
  let out: Record<string, Json> | undefined;
  for (const [k, v] of Object.entries(desired)) {
    const next = carry(v, previous[k], k);
    if (next !== v) (out ??= { ...desired })[k] = next;
  }
  return out ?? desired;
}

function carryConditions(desired: Json[], previous: Json[]): Json[] {
  let changed = false;
  const out = desired.map((condition) => {
    if (!isRecord(condition)) return condition;
    const before = previous.find((p): p is Condition => isRecord(p) && p.type === condition.type);
    if (!before || before.status !== condition.status || before.lastTransitionTime === condition.lastTransitionTime) return condition;
    changed = true;
    return { ...condition, lastTransitionTime: before.lastTransitionTime };
  });
  return changed ? out : desired;
}

/**
 * Entries of a status list (listeners, route parents, policy ancestors, addresses) are matched by what
 * identifies them, not by position: a listener by name, a parent or ancestor by its reference.
 */
function carryEntries(desired: Json[], previous: Json[]): Json[] {
  const byIdentity = new Map<string, Json>();
  for (const p of previous) {
    const id = identity(p);
    if (id !== undefined) byIdentity.set(id, p);
  }
  let changed = false;
  const out = desired.map((entry) => {
    const id = identity(entry);
    const before = id === undefined ? undefined : byIdentity.get(id);
    const next = before === undefined ? entry : carry(entry, before, '');
    if (next !== entry) changed = true;
    return next;
  });
  return changed ? out : desired;
}

function identity(entry: Json): string | undefined {
  if (!isRecord(entry) || !('conditions' in entry)) return undefined;
  if (typeof entry.name === 'string') return `name\u0001${entry.name}`;
  const ref = entry.parentRef ?? entry.ancestorRef;
  return ref === undefined ? undefined : `ref\u0001${JSON.stringify(ref)}\u0001${String(entry.controllerName)}`;
}

function sameJson(a: Json, b: Json): boolean {
  return a === b || JSON.stringify(a) === JSON.stringify(b);
}
