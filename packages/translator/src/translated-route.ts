import type { HTTPRouteIR, L4RouteIR } from '@portico/ir';
import type { Route } from '@portico/resources';
import type { Problem, ServicePortUse } from './destinations.js';
import type { RouteOrigin } from './precedence.js';

/** One match of one rule, ready to be placed in a virtual host. */
export interface RouteEntry {
  ir: HTTPRouteIR;
  origin: RouteOrigin;
  grpc: boolean;
}

/** A route translated once, independently of the gateways it attaches to. */
export interface TranslatedRoute {
  route: Route;
  /** Accepted=False on every parent (UnsupportedValue, IncompatibleFilters). */
  invalid?: Problem;
  /** ResolvedRefs=False reasons. */
  unresolved: Problem[];
  servicePorts: ServicePortUse[];
  /** HTTPRoute/GRPCRoute: one entry per rule and match. */
  entries: RouteEntry[];
  /** TLSRoute/TCPRoute/UDPRoute. */
  l4?: L4RouteIR;
}
