/**
 * A translator bug, simulated for the tests that need Envoy to refuse a route (NACK containment,
 * diagnose's data-plane checks, the dashboard's quarantine badge): an exact match of CORRUPT_HEADER on
 * REFUSED_VALUE becomes a regex match of that value, which every validation before Envoy lets through
 * and Envoy's RE2 refuses with ENVOY_ERROR. Passed as `buildXds` after this IR rewrite.
 */
import type { GatewayIR, HTTPRouteIR } from '@portico/ir';

export const CORRUPT_HEADER = 'x-corrupt-me';
export const REFUSED_VALUE = 'a{1001}';
/** What Envoy (RE2) says of the regex the corrupted match becomes. */
export const ENVOY_ERROR = 'invalid repetition size: {1001}';

export function corruptRefusedRegex(ir: GatewayIR): GatewayIR {
  return mapHttpRoutes(ir, (r) => {
    const headers = r.match.headers;
    if (!headers?.some((h) => h.name === CORRUPT_HEADER && h.value === REFUSED_VALUE)) return r;
    return { ...r, match: { ...r.match, headers: headers.map((h) => (h.name === CORRUPT_HEADER ? { ...h, type: 'RegularExpression' as const } : h)) } };
  });
}

/** The IR with every HTTP route of every HTTP listener replaced by `route(it)`. */
export function mapHttpRoutes(ir: GatewayIR, route: (r: HTTPRouteIR) => HTTPRouteIR): GatewayIR {
  return { ...ir, listeners: ir.listeners.map((l) => (l.type === 'HTTP' ? { ...l, virtualHosts: l.virtualHosts.map((v) => ({ ...v, routes: v.routes.map(route) })) } : l)) };
}
