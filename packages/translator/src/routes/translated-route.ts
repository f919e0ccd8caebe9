import type { HTTPRouteIR, L4RouteIR } from '@portico/ir';
import type { Route } from '@portico/resources';
import type { Problem, ServicePortUse } from '../backends/destinations.js';
import type { RouteOrigin } from '../gateway-ir/precedence.js';

/** One match of one rule, ready to be placed in a virtual host. */
export interface RouteEntry {
  ir: HTTPRouteIR;
  origin: RouteOrigin;
  grpc: boolean;
}

/** A route translated once, independently of the gateways it attaches to. */
export interface TranslatedRoute {
  route: Route;
  /** Accepted=False on every parent (UnsupportedValue, IncompatibleFilters): no rule is valid. */
  invalid?: Problem;
  /** PartiallyInvalid=True: some rules were dropped, the others are served. */
  partiallyInvalid?: Problem;
  /** ResolvedRefs=False reasons. */
  unresolved: Problem[];
  /** Rules (or backends of rules) that answer 500 because they cannot be served as written. */
  failedClosed?: RuleProblem[];
  /** HTTP backends and mirrors used, for BackendTLSPolicy ancestors (TLSRoutes: terminateServicePorts). */
  servicePorts: ServicePortUse[];
  /** HTTPRoute/GRPCRoute: one entry per rule and match. */
  entries: RouteEntry[];
  /** TLSRoute/TCPRoute/UDPRoute. */
  l4?: L4RouteIR;
  /**
   * TLSRoute on a Terminate listener, when a BackendTLSPolicy applies to one of its backends: the
   * same shares, sent to re-encrypting backends (`.../tls`). Absent: Terminate listeners use `l4`.
   */
  l4Terminate?: L4RouteIR;
  /** TLSRoute backends, for BackendTLSPolicy ancestors of the gateways whose Terminate listeners it attaches to. */
  terminateServicePorts?: ServicePortUse[];
}

/** A rule's problem: the rule index and the first thing wrong with it. */
export interface RuleProblem extends Problem {
  rule: number;
}

/**
 * Decides what invalid rules do to an HTTPRoute or GRPCRoute (shared_types.go
 * RouteConditionPartiallyInvalid): when some rules are valid, the invalid ones are dropped, the route
 * stays Accepted and PartiallyInvalid=True says which ("Dropped Rule" prefix); when none is valid,
 * the route is not Accepted. `entries` must already hold only the valid rules' entries.
 */
export function settleRuleProblems(out: TranslatedRoute, problems: readonly RuleProblem[]): void {
  if (problems.length === 0) return;
  const reason = problems[0]!.reason;
  if (out.entries.length === 0) {
    out.invalid = { reason, message: problems.map((p) => `rule ${p.rule}: ${p.message}`).join('; ') };
  } else {
    out.partiallyInvalid = { reason, message: problems.map((p) => `Dropped Rule ${p.rule}: ${p.message}`).join('; ') };
  }
}
