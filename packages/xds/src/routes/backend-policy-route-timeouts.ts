/**
 * A BackendPolicy's route timeout defaults (DestinationIR.backendTimeouts) → RouteAction fields, for
 * what the route does not set itself. Precedence: an HTTPRouteRule's `timeouts.request` or
 * `timeouts.backendRequest` (which decide RouteAction.timeout, see route-action.ts) replace the
 * policy's `request`; an Ingress proxy-read/send-timeout (HTTPRouteIR.timeouts.idleMs) replaces its
 * `streamIdle`. On a gRPC route the policy's `request` replaces the "off" default.
 */
import type { Proto3Json } from '@portico/envoy';
import type { HTTPRouteIR } from '@portico/ir';
import { durationFromMs } from '../proto-duration.js';

export function backendPolicyRouteTimeouts(route: HTTPRouteIR): Proto3Json {
  const defaults = route.destination?.backendTimeouts;
  if (!defaults) return {};
  const own = route.timeouts ?? {};
  const out: Proto3Json = {};
  if (defaults.requestMs !== undefined && own.requestMs === undefined && own.backendRequestMs === undefined) out.timeout = durationFromMs(defaults.requestMs);
  // RouteAction.idle_timeout: no bytes either way for this long ends the stream (504 when the
  // backend has not answered yet); it overrides the connection manager's stream_idle_timeout.
  if (defaults.streamIdleMs !== undefined && own.idleMs === undefined) out.idleTimeout = durationFromMs(defaults.streamIdleMs);
  return out;
}
