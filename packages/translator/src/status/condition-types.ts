/**
 * The condition types Portico writes, per place a condition list sits. The status writer owns
 * exactly these: a stored condition of one of them is replaced by ours, or removed once we no longer
 * produce it (OverlappingTLSConfig after the overlap is gone); a stored condition of any other type
 * belongs to someone else and is kept untouched, in place. Every condition list of the Gateway API
 * says so ("Implementations MUST NOT remove or reorder Conditions that they are not directly
 * responsible for", gateway_types.go GatewayStatus/ListenerStatus, gatewayclass_types.go,
 * shared_types.go RouteParentStatus, policy_types.go PolicyAncestorStatus), and the conformance test
 * GatewayPreserveForeignConditions checks it.
 *
 * An explicit list rather than a rule such as "types without a domain prefix are ours": the spec's own
 * types (Accepted, Programmed, …) carry no prefix and other controllers may write them too at levels
 * where we do not (a Gateway's ResolvedRefs, say). `conditionFactory` only takes these types, and
 * condition-types.test.ts checks every golden output against the per-level lists, so a condition
 * type added to the translator without being listed here fails the build or the tests.
 */
export const WRITTEN_CONDITION_TYPES = {
  /** gateway-classes.ts */
  gatewayClass: ['Accepted'],
  /** gateway-status.ts, failed-status.ts; ResolvedRefs and InsecureFrontendValidationMode only for a Gateway with spec.tls. */
  gateway: ['Accepted', 'Programmed', 'ResolvedRefs', 'InsecureFrontendValidationMode'],
  /** listener-set-status.ts (its listeners' entries are at the `listener` level). */
  listenerSet: ['Accepted', 'Programmed'],
  /** gateway-status.ts listenerStatus, for a Gateway's and a ListenerSet's listeners */
  listener: ['Accepted', 'Programmed', 'ResolvedRefs', 'Conflicted', 'OverlappingTLSConfig'],
  /**
   * route-status.ts, failed-status.ts; the server's quarantine (quarantine-status.ts) sets Accepted and
   * PartiallyInvalid; gateway-ir/shadowing/shadowed-condition.ts our own portico.dev/Shadowed.
   */
  routeParent: ['Accepted', 'ResolvedRefs', 'PartiallyInvalid', 'portico.dev/Shadowed'],
  /** backend-tls.ts, policy-status.ts */
  policyAncestor: ['Accepted', 'ResolvedRefs'],
} as const;

export type WrittenConditionLevel = keyof typeof WRITTEN_CONDITION_TYPES;

/** Any condition type Portico writes at some level. */
export type WrittenConditionType = (typeof WRITTEN_CONDITION_TYPES)[WrittenConditionLevel][number];
