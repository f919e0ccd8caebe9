/**
 * How a backend's cluster finds its hosts. Service backends: EDS over ADS (endpoints.ts). ExternalName
 * Services (BackendIR.externalName): Envoy resolves the name itself, a LOGICAL_DNS cluster with the
 * name and the Service port as its one endpoint (Contour makes the same cluster STRICT_DNS).
 *
 * Why LOGICAL_DNS rather than STRICT_DNS:
 * - It is what Envoy recommends for "large scale web services that must be accessed via DNS", which is
 *   what an ExternalName usually names (a managed database, a SaaS API behind rotating addresses): a new
 *   connection goes to the first address of the latest answer, and existing connections are kept when
 *   the answer changes, where STRICT_DNS would make every address a host and drain those that drop out
 *   of a rotating answer.
 * - It is the only DNS cluster type proxyless gRPC clients accept (gRFC A37; grpc-js-xds NACKs
 *   STRICT_DNS): clusters are served to them too, and a NACK would mark the snapshot as refused.
 * The cost: one Envoy spreads new connections over the answer's addresses only as the answer rotates,
 * not over all of them at once.
 *
 * V4_PREFERRED: the A records when there are any, else AAAA. Envoy's AUTO prefers AAAA, which fails in
 * the many clusters whose pods have no IPv6 route even though the name has AAAA records.
 * The name is resolved again every 5 s (Envoy's dns_refresh_rate default). Not respect_dns_ttl: it is
 * deprecated in favour of the DnsCluster extension (cluster_type envoy.clusters.dns), which proxyless
 * gRPC clients do not read.
 */
import type { Proto3Json } from '@portico/envoy';
import type { BackendIR } from '@portico/ir';
import { EDS_OVER_ADS } from '../config-source.js';
import { clusterName } from '../names.js';

/** The discovery fields of a backend's cluster: EDS, or LOGICAL_DNS for an ExternalName backend. */
export function clusterDiscovery(backend: BackendIR): Proto3Json {
  if (backend.externalName === undefined) {
    // No service_name: the ClusterLoadAssignment is named like the cluster (endpoints.ts).
    return { type: 'EDS', edsClusterConfig: EDS_OVER_ADS };
  }
  return {
    type: 'LOGICAL_DNS',
    dnsLookupFamily: 'V4_PREFERRED',
    loadAssignment: { clusterName: clusterName(backend), endpoints: [{ lbEndpoints: [{ endpoint: { address: { socketAddress: dnsSocketAddress(backend) } } }] }] },
  };
}

/** An ExternalName backend's one endpoint: its name and the Service port (the CNAME target's port). */
export function dnsSocketAddress(backend: BackendIR): Proto3Json {
  const socketAddress: Proto3Json = { address: backend.externalName ?? '', portValue: backend.service.port };
  if (backend.protocol === 'UDP') socketAddress.protocol = 'UDP';
  return socketAddress;
}

/** Whether a backend's endpoints are served over EDS (every backend but ExternalName ones). */
export function hasEdsEndpoints(backend: BackendIR): boolean {
  return backend.externalName === undefined;
}
