import { grpcDecode } from '../proxyless-grpc.test-util.js';
import { routeHashPolicy } from './hash-policy.js';

describe('routeHashPolicy', () => {
  it('maps each consistent-hash key onto RouteAction.hash_policy', () => {
    expect(routeHashPolicy({ type: 'Header', header: 'x-user' })).toEqual([{ header: { headerName: 'x-user' } }]);
    // No ttl: "0s", so Envoy still sets the cookie, as a session cookie.
    expect(routeHashPolicy({ type: 'Cookie', name: 'aff' })).toEqual([{ cookie: { name: 'aff', ttl: '0s' } }]);
    expect(routeHashPolicy({ type: 'Cookie', name: 'aff', ttlMs: 3_600_000, path: '/shop' })).toEqual([{ cookie: { name: 'aff', ttl: '3600s', path: '/shop' } }]);
    expect(routeHashPolicy({ type: 'SourceIP' })).toEqual([{ connectionProperties: { sourceIp: true } }]);
  });

  it('a proxyless gRPC client (grpc-js-xds) accepts a route table carrying each of them', () => {
    for (const hash of [{ type: 'Header', header: 'x-user' }, { type: 'Cookie', name: 'aff' }, { type: 'SourceIP' }] as const) {
      const table = {
        name: 'rt',
        virtualHosts: [{ name: 'vh', domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster: 'default/web/80/http2', hashPolicy: routeHashPolicy(hash) } }] }],
      };
      expect([hash.type, grpcDecode('route', table).error]).toEqual([hash.type, undefined]);
    }
  });
});
