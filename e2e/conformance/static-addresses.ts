/**
 * The addresses GatewayStaticAddresses puts on its Gateway (the suite's -usable-address and
 * -unusable-address, its PLACEHOLDER_USABLE_ADDRS / PLACEHOLDER_UNUSABLE_ADDRS), chosen from the
 * cluster's LoadBalancer pool so that the stub (e2e/cluster/load-balancer-stub.ts) gives the usable one
 * and refuses the other, as a real load balancer would:
 * - usable: the pool's last address, which lowest-free-first assignment reaches last, so no other
 *   Service of the run holds it;
 * - unusable: a documentation address (RFC 5737) outside the pool.
 */
import { cidrAddresses } from '../cluster/load-balancer-stub.js';

export interface ConformanceStaticAddresses {
  usable: string;
  unusable: string;
}

const OUTSIDE_CANDIDATES = ['192.0.2.10', '198.51.100.10', '203.0.113.10'];

export function conformanceStaticAddresses(loadBalancerCidr: string): ConformanceStaticAddresses {
  const pool = cidrAddresses(loadBalancerCidr);
  const usable = pool.at(-1);
  if (!usable) throw new Error(`the LoadBalancer pool ${loadBalancerCidr} has no address`);
  const unusable = OUTSIDE_CANDIDATES.find((candidate) => !pool.includes(candidate));
  if (!unusable) throw new Error(`the LoadBalancer pool ${loadBalancerCidr} holds every documentation address`);
  return { usable, unusable };
}

/** The suite's flags (sigs.k8s.io/gateway-api/conformance/utils/flags: an IP becomes an IPAddress). */
export function staticAddressFlags(addresses: ConformanceStaticAddresses): string[] {
  return ['-usable-address', addresses.usable, '-unusable-address', addresses.unusable];
}
