/**
 * Gateway `status.addresses` from the Envoy Service: what clients use to reach the Gateway. The shape
 * is the translator's `gatewayAddresses` option's: an empty list means "managed, nothing assigned
 * yet", which the translator reports as Programmed=False, AddressNotAssigned.
 */
import type { GatewayStatusAddress } from '@portico/resources';

/** The parts of a Service that carry addresses (client-node's V1Service and the provider's Service both fit). */
export interface ServiceAddressSource {
  metadata?: { annotations?: Record<string, string> };
  spec?: { type?: string; clusterIP?: string; clusterIPs?: string[]; externalIPs?: string[]; loadBalancerIP?: string };
  status?: { loadBalancer?: { ingress?: { ip?: string; hostname?: string }[] } };
}

/**
 * LoadBalancer: the load balancer's IPs and hostnames (none while it is pending). ClusterIP and
 * NodePort: the external IPs when the Gateway asked for static addresses (service-address-request.ts),
 * else the cluster IPs (both families on a dual-stack Service); node addresses are not watched, so a
 * NodePort Gateway reports where it is reachable inside the cluster.
 */
export function serviceAddresses(service: ServiceAddressSource): GatewayStatusAddress[] {
  const addresses: GatewayStatusAddress[] = [];
  const add = (type: string, value: string | undefined) => {
    if (value && value !== 'None' && !addresses.some((a) => a.type === type && a.value === value)) addresses.push({ type, value });
  };
  if (service.spec?.type === 'LoadBalancer') {
    for (const ingress of service.status?.loadBalancer?.ingress ?? []) {
      add('IPAddress', ingress.ip);
      add('Hostname', ingress.hostname);
    }
  } else if (service.spec?.externalIPs?.length) {
    for (const ip of service.spec.externalIPs) add('IPAddress', ip);
  } else {
    for (const ip of service.spec?.clusterIPs?.length ? service.spec.clusterIPs : [service.spec?.clusterIP]) add('IPAddress', ip);
  }
  return addresses;
}
