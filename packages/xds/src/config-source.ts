/**
 * Where Envoy fetches a resource a listener names (RDS route tables, SDS secrets): over the same ADS
 * stream as everything else, so one gRPC stream orders all updates (Envoy's "aggregated" mode) and
 * a listener never waits on a second connection. `resourceApiVersion` must say V3: Envoy rejects the
 * default (AUTO, meaning v2) since 1.18.
 */
import type { Proto3Json } from '@portico/envoy';

export function adsConfigSource(): Proto3Json {
  return { ads: {}, resourceApiVersion: 'V3' };
}
