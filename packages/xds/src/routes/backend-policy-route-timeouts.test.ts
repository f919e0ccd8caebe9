import type { BackendRouteTimeoutsIR, HTTPRouteIR } from '@portico/ir';
import { backendPolicyRouteTimeouts } from './backend-policy-route-timeouts.js';
import { buildRouteTarget } from './route-action.js';
import { grpcDecode } from '../proxyless-grpc.test-util.js';

const defaults = { policy: 'default/api', requestMs: 45_000, streamIdleMs: 20_000 };

/** `null`: the route's backends have no policy with timeouts. */
function route(extra: Partial<HTTPRouteIR> = {}, backendTimeouts: BackendRouteTimeoutsIR | null = defaults): HTTPRouteIR {
  return {
    name: 'httproute/default/app/rule/0/match/0',
    source: { kind: 'HTTPRoute', namespace: 'default', name: 'app' },
    match: { path: { type: 'PathPrefix', value: '/' } },
    destination: { backends: [{ weight: 1, backend: 'default/api/80/http' }], ...(backendTimeouts ? { backendTimeouts } : {}) },
    ...extra,
  } as HTTPRouteIR;
}

describe('backendPolicyRouteTimeouts', () => {
  it('gives a route without timeouts of its own the policy request (route timeout) and streamIdle (route idle timeout)', () => {
    expect(backendPolicyRouteTimeouts(route())).toEqual({ timeout: '45s', idleTimeout: '20s' });
    expect(backendPolicyRouteTimeouts(route({}, null))).toEqual({});
  });

  it("the rule's own timeouts.request or timeouts.backendRequest replaces the policy's request; its idle timeout replaces streamIdle", () => {
    expect(backendPolicyRouteTimeouts(route({ timeouts: { requestMs: 5000 } }))).toEqual({ idleTimeout: '20s' });
    expect(backendPolicyRouteTimeouts(route({ timeouts: { backendRequestMs: 2000 } }))).toEqual({ idleTimeout: '20s' });
    // 0s in the rule is a choice too (no timeout): the policy does not fill it in.
    expect(backendPolicyRouteTimeouts(route({ timeouts: { requestMs: 0 } }))).toEqual({ idleTimeout: '20s' });
    expect(backendPolicyRouteTimeouts(route({ timeouts: { idleMs: 1000 } }))).toEqual({ timeout: '45s' });
  });

  it('0s in the policy turns a timeout off', () => {
    expect(backendPolicyRouteTimeouts(route({}, { policy: 'p', requestMs: 0, streamIdleMs: 0 }))).toEqual({ timeout: '0s', idleTimeout: '0s' });
  });

  it('lands on the RouteAction next to the route\'s own timeout, which wins', () => {
    const own = buildRouteTarget(route({ timeouts: { requestMs: 5000 } }), {} as never) as { route: Record<string, unknown> };
    expect([own.route.timeout, own.route.idleTimeout]).toEqual(['5s', '20s']);
    const fallback = buildRouteTarget(route(), {} as never) as { route: Record<string, unknown> };
    expect([fallback.route.timeout, fallback.route.idleTimeout]).toEqual(['45s', '20s']);
  });

  it('a proxyless gRPC client (grpc-js-xds) accepts a route carrying them', () => {
    const table = {
      name: 'rt',
      virtualHosts: [{ name: 'vh', domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster: 'default/api/80/http2', ...backendPolicyRouteTimeouts(route()) } }] }],
    };
    expect(grpcDecode('route', table).error).toBeUndefined();
  });
});
