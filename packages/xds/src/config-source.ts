/**
 * Where Envoy fetches a resource a listener names (RDS route tables, SDS secrets): over the same ADS
 * stream as everything else, so one gRPC stream orders all updates (Envoy's "aggregated" mode) and
 * a listener never waits on a second connection. `resourceApiVersion` must say V3: Envoy rejects the
 * default (AUTO, meaning v2) since 1.18.
 */
import { constantJson, type Proto3Json } from '@portico/envoy';

export function adsConfigSource(): Proto3Json {
  return { ads: {}, resourceApiVersion: 'V3' };
}

/**
 * An EDS cluster's `edsClusterConfig`: its endpoint set over ADS, under the cluster's own name. One
 * constant object shared by every such cluster (encoded once: @portico/envoy constant-json.ts).
 */
export const EDS_OVER_ADS: Readonly<Proto3Json> = constantJson({ edsConfig: adsConfigSource() });
