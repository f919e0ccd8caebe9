/**
 * `lastTransitionTime` follows metav1.Condition (apimachinery `meta.SetStatusCondition`): it is the
 * last time the condition's `status` changed. The translator stamps every condition with the
 * translation time; here a condition whose status equals the stored one of the same type gets the
 * stored time back, even when its reason, message or observedGeneration changed.
 */
import { asArray, isRecord } from './status-json.js';

/** The stored condition of this type, if any. */
function conditionOfType(conditions: unknown[], type: unknown): Record<string, unknown> | undefined {
  return conditions.find((condition): condition is Record<string, unknown> => isRecord(condition) && condition['type'] === type);
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

/** `conditions` of `desired` with times carried from `current` (both objects that hold `conditions`). */
export function withCarriedConditions(desired: Record<string, unknown>, current: unknown): Record<string, unknown> {
  if (!('conditions' in desired)) return desired;
  const stored = isRecord(current) ? current['conditions'] : undefined;
  return { ...desired, conditions: carryTransitionTimes(desired['conditions'], stored) };
}
