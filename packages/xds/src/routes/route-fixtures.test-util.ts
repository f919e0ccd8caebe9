/** IR fixtures for the route table tests (not exported from the package). */
import type { HTTPRouteIR } from '@portico/ir';

export function httpRoute(overrides: Partial<HTTPRouteIR> = {}): HTTPRouteIR {
  return {
    name: 'httproute/default/web/rule/0/match/0',
    source: { kind: 'HTTPRoute', namespace: 'default', name: 'web', rule: 0, match: 0 },
    match: { path: { type: 'PathPrefix', value: '/' } },
    destination: { backends: [{ weight: 1, backend: 'default/web/80/http' }] },
    ...overrides,
  };
}

export function grpcRoute(overrides: Partial<HTTPRouteIR> = {}): HTTPRouteIR {
  return httpRoute({
    name: 'grpcroute/default/greeter/rule/0/match/0',
    source: { kind: 'GRPCRoute', namespace: 'default', name: 'greeter', rule: 0, match: 0 },
    match: {},
    destination: { backends: [{ weight: 1, backend: 'default/greeter/50051/http2' }] },
    ...overrides,
  });
}
