/**
 * OwnedConditionTypes for the provider's tests, shaped like the translator's WRITTEN_CONDITION_TYPES
 * (which the provider cannot import: it sits below the translator). The tests exercise the merge, not
 * the list; the real list is checked against the translator's output in its own package.
 */
import type { OwnedConditionTypes } from '../types.js';

export const OWNED_CONDITION_TYPES: OwnedConditionTypes = {
  gatewayClass: ['Accepted'],
  gateway: ['Accepted', 'Programmed'],
  listenerSet: ['Accepted', 'Programmed'],
  listener: ['Accepted', 'Programmed', 'ResolvedRefs', 'Conflicted', 'OverlappingTLSConfig'],
  routeParent: ['Accepted', 'ResolvedRefs', 'PartiallyInvalid'],
  policyAncestor: ['Accepted', 'ResolvedRefs'],
};
