/**
 * The consistent-hash key of a route (RouteAction.hash_policy), for routes whose backend balances by
 * RingHash or Maglev under a BackendPolicy. Envoy hashes each request with it and the ring (or
 * Maglev table) of the cluster picks the endpoint, so equal keys reach the same endpoint while the
 * endpoints stay the same. A request without the key (no such header) is balanced at random.
 */
import type { Proto3Json } from '@portico/envoy';
import type { HashPolicyIR } from '@portico/ir';
import { durationFromMs } from '../proto-duration.js';

export function routeHashPolicy(hash: HashPolicyIR): Proto3Json[] {
  switch (hash.type) {
    case 'Header':
      return [{ header: { headerName: hash.header } }];
    case 'Cookie':
      // A ttl makes Envoy set the cookie when the request has none ("0s": a session cookie), so a
      // client's first request already picks the endpoint its next ones reach.
      return [{ cookie: { name: hash.name, ttl: durationFromMs(hash.ttlMs ?? 0), ...(hash.path ? { path: hash.path } : {}) } }];
    case 'SourceIP':
      return [{ connectionProperties: { sourceIp: true } }];
  }
}
