/**
 * A Gateway's static addresses (`spec.addresses` with a value) as a request on its Envoy Service,
 * the way Contour's provisioner and Envoy Gateway do it:
 * - LoadBalancer: the first IPAddress becomes `spec.loadBalancerIP`. The field is deprecated (it
 *   cannot say two families) but MetalLB, GKE and AKS still honour it without vendor annotations
 *   (others take `spec.infrastructure.annotations`, which the Service carries too); a load balancer
 *   that cannot give the address leaves the Service without it, and the Gateway then reports it
 *   AddressNotUsable. Further IPAddresses are usable only if the load balancer gives them anyway.
 * - ClusterIP and NodePort: every IPAddress becomes one of `spec.externalIPs` (kube-proxy accepts
 *   traffic for them on every node); the API server's admission may refuse them (DenyServiceExternalIPs).
 * - Hostname: a Service cannot ask for one; it is usable when the load balancer reports it (an operator
 *   naming the hostname their cloud gives the Service).
 * Every requested value is also written in one annotation, so that whoever reads the Service (the
 * address book, an operator) knows what it asked for, and since when (the Service changes with it).
 * Types other than IPAddress and Hostname never get here: the translator rejects the Gateway.
 */
import type { V1ServiceSpec } from '@kubernetes/client-node';
import type { GatewaySpecAddress } from '@portico/resources';
import type { EnvoyServiceType } from './infrastructure-options.js';

export const REQUESTED_ADDRESSES_ANNOTATION = 'portico.dev/requested-addresses';

export interface ServiceAddressRequest {
  /** The Service's annotations besides the shared ones; empty without static addresses. */
  annotations: Record<string, string>;
  spec: Pick<V1ServiceSpec, 'loadBalancerIP' | 'externalIPs'>;
}

export function serviceAddressRequest(addresses: readonly GatewaySpecAddress[] | undefined, serviceType: EnvoyServiceType): ServiceAddressRequest {
  const requested = [...new Set((addresses ?? []).filter((a) => a.value && isSupported(a)).map((a) => a.value!))];
  if (requested.length === 0) return { annotations: {}, spec: {} };
  const ips = [...new Set((addresses ?? []).filter((a) => a.value && (a.type ?? 'IPAddress') === 'IPAddress').map((a) => a.value!))];
  const annotations = { [REQUESTED_ADDRESSES_ANNOTATION]: requested.join(',') };
  if (ips.length === 0) return { annotations, spec: {} };
  return { annotations, spec: serviceType === 'LoadBalancer' ? { loadBalancerIP: ips[0]! } : { externalIPs: ips } };
}

/** What a Service asked for (its annotation); empty for a Service without static addresses. */
export function requestedAddresses(annotations: Record<string, string> | undefined): string[] {
  const value = annotations?.[REQUESTED_ADDRESSES_ANNOTATION];
  return value ? value.split(',').filter((v) => v !== '') : [];
}

function isSupported(address: GatewaySpecAddress): boolean {
  const type = address.type ?? 'IPAddress';
  return type === 'IPAddress' || type === 'Hostname';
}
