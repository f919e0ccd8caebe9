/**
 * Merging one condition list: the desired conditions (ours) into the stored ones.
 *
 * Ownership is by type (OwnedConditionTypes): every Gateway API condition list says "Implementations
 * MUST NOT remove or reorder Conditions that they are not directly responsible for … it MUST NOT
 * remove, change or update that Condition". So a stored condition of a type we do not write stays as
 * it is, where it is; ours is replaced in place by the desired one of the same type, or removed when
 * no longer desired; a desired type not stored yet is appended — apimachinery's
 * `meta.SetStatusCondition` / `RemoveStatusCondition` do the same, one condition at a time.
 *
 * `lastTransitionTime` follows metav1.Condition: it is the last time the condition's `status`
 * changed. The translator stamps every condition with the translation time; here a condition whose
 * status equals the stored one of the same type gets the stored time back, even when its reason,
 * message or observedGeneration changed.
 */
import { asArray, isRecord, type JsonRecord } from './status-json.js';

/** The stored condition of this type, if any. */
function conditionOfType(conditions: unknown[], type: unknown): JsonRecord | undefined {
  return conditions.find((condition): condition is JsonRecord => isRecord(condition) && condition['type'] === type);
}

/**
 * The desired conditions, each keeping the current `lastTransitionTime` when the current condition of
 * the same type has the same status. Other fields always come from the desired condition.
 */
export function carryTransitionTimes(desired: unknown, current: unknown): unknown[] {
  const stored = asArray(current);
  return asArray(desired).map((condition) => {
    if (!isRecord(condition)) return condition;
    const previous = conditionOfType(stored, condition['type']);
    if (!previous || previous['status'] !== condition['status'] || previous['lastTransitionTime'] === undefined) return condition;
    return { ...condition, lastTransitionTime: previous['lastTransitionTime'] };
  });
}

/** The stored conditions with ours replaced, dropped or appended, and everyone else's untouched in place. */
export function mergeConditions(desired: unknown, current: unknown, ownedTypes: readonly string[]): unknown[] {
  const wanted = carryTransitionTimes(desired, current);
  const unplaced = new Map<unknown, unknown>(wanted.map((condition) => [isRecord(condition) ? condition['type'] : condition, condition]));
  const merged: unknown[] = [];
  for (const condition of asArray(current)) {
    const type = isRecord(condition) ? condition['type'] : undefined;
    if (type !== undefined && unplaced.has(type)) {
      merged.push(unplaced.get(type));
      unplaced.delete(type);
    } else if (typeof type !== 'string' || !ownedTypes.includes(type)) {
      merged.push(condition);
    }
  }
  return [...merged, ...unplaced.values()];
}

/**
 * `desired` with its `conditions` merged into those of `current` (both objects that hold
 * `conditions`, such as a status, a listener status or a route parent entry).
 */
export function withMergedConditions(desired: JsonRecord, current: unknown, ownedTypes: readonly string[]): JsonRecord {
  const stored = isRecord(current) ? current['conditions'] : undefined;
  if (!('conditions' in desired) && stored === undefined) return desired;
  return { ...desired, conditions: mergeConditions(desired['conditions'], stored, ownedTypes) };
}
