import type { Condition } from '@portico/resources';
import type { WrittenConditionType } from './condition-types.js';

/** Builds metav1.Conditions stamped with one object's generation and the translation time. */
export interface ConditionFactory {
  /** Only listed types (condition-types.ts): the status writer removes ours and keeps everyone else's by that list. */
  (type: WrittenConditionType, status: boolean | 'Unknown', reason: string, message: string): Condition;
}

export function conditionFactory(generation: number | undefined, now: string): ConditionFactory {
  return (type, status, reason, message) => ({
    type,
    status: status === 'Unknown' ? 'Unknown' : status ? 'True' : 'False',
    reason,
    message,
    observedGeneration: generation ?? 1,
    lastTransitionTime: now,
  });
}
