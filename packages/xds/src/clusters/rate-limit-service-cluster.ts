/**
 * The cluster of the envoyproxy/ratelimit service (GatewayIR.rateLimitService): gRPC, so HTTP/2 with
 * prior knowledge. The address is an operator setting (`portico serve --rate-limit-service`), not a
 * Service Portico watches: an IP address is a STATIC host, a name (the chart's Service DNS name) a
 * LOGICAL_DNS one that Envoy re-resolves (dns-clusters.ts says why LOGICAL_DNS), V4_PREFERRED.
 */
import { isIP } from 'node:net';
import type { Proto3Json } from '@portico/envoy';
import type { RateLimitServiceIR } from '@portico/ir';
import { RATE_LIMIT_SERVICE_CLUSTER } from '../names.js';
import type { NamedResource } from '../resources.js';
import { typedConfig } from '../typed-config.js';
import { CONNECT_TIMEOUT } from './cluster-defaults.js';

const HTTP_PROTOCOL_OPTIONS = 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions';

export function rateLimitServiceCluster(service: RateLimitServiceIR): NamedResource {
  const ip = isIP(service.host) !== 0;
  const cluster: Proto3Json = {
    name: RATE_LIMIT_SERVICE_CLUSTER,
    type: ip ? 'STATIC' : 'LOGICAL_DNS',
    ...(ip ? {} : { dnsLookupFamily: 'V4_PREFERRED' }),
    connectTimeout: CONNECT_TIMEOUT,
    loadAssignment: {
      clusterName: RATE_LIMIT_SERVICE_CLUSTER,
      endpoints: [{ lbEndpoints: [{ endpoint: { address: { socketAddress: { address: service.host, portValue: service.port } } } }] }],
    },
    typedExtensionProtocolOptions: {
      [HTTP_PROTOCOL_OPTIONS]: typedConfig(HTTP_PROTOCOL_OPTIONS, { explicitHttpConfig: { http2ProtocolOptions: {} } }),
    },
  };
  return { name: RATE_LIMIT_SERVICE_CLUSTER, resource: cluster };
}
