/**
 * When a requested static address becomes unusable. A load balancer that cannot give the address a
 * Service asks for (outside its pools, held by another Service, or no load balancer at all) says so
 * only in its own way (an Event, a log, nothing) and leaves the Service without it; so an address
 * still missing `timeoutMs` after the Service first asked for it, as far as this replica saw, is
 * unusable (gateway_types.go GatewayReasonAddressNotUsable). Before that it is on its way
 * (AddressNotAssigned). When one becomes unusable `onExpired` says so, so that the Gateway's status is
 * written again; should the address arrive later, the Service's change makes it usable at once.
 */
import type { UnusableGatewayAddress } from '@portico/translator';
import { canonicalAddress } from '@portico/translator';
import { requestedAddresses } from './service-address-request.js';
import { serviceAddresses, type ServiceAddressSource } from './service-addresses.js';

export interface RequestedAddressWaitOptions {
  timeoutMs: number;
  onExpired(gatewayKey: string): void;
}

export interface RequestedAddressWait {
  /** The requested addresses of this Gateway's Service that it has been missing for `timeoutMs` or more. */
  unusable(gatewayKey: string, service: ServiceAddressSource | undefined, serviceName: string): UnusableGatewayAddress[];
  /** Forgets the Gateways not listed. */
  retain(gatewayKeys: ReadonlySet<string>): void;
  stop(): void;
}

export function createRequestedAddressWait(options: RequestedAddressWaitOptions): RequestedAddressWait {
  /** By gateway key, then address and request: the timer that ends the wait once it is seen missing, and whether it has. */
  const waits = new Map<string, Map<string, { timer: NodeJS.Timeout | undefined; expired: boolean }>>();

  function forget(gatewayKey: string, keep: ReadonlySet<string> = new Set()): void {
    const byAddress = waits.get(gatewayKey);
    if (!byAddress) return;
    for (const [address, wait] of byAddress) {
      if (keep.has(address)) continue;
      clearTimeout(wait.timer);
      byAddress.delete(address);
    }
    if (byAddress.size === 0) waits.delete(gatewayKey);
  }

  return {
    unusable(gatewayKey, service, serviceName) {
      if (!service) {
        forget(gatewayKey);
        return [];
      }
      const have = new Set(serviceAddresses(service).map((a) => canonicalAddress(a.value)));
      const missing = requestedAddresses(service.metadata?.annotations).filter((value) => !have.has(canonicalAddress(value)));
      // Keyed by how the Service asks too: a new request (another loadBalancerIP, say) waits anew.
      const request = requestSignature(service);
      const keyOf = (value: string) => `${canonicalAddress(value)} ${request}`;
      forget(gatewayKey, new Set(missing.map(keyOf)));
      const byAddress = waits.get(gatewayKey) ?? new Map();
      waits.set(gatewayKey, byAddress);
      const unusable: UnusableGatewayAddress[] = [];
      for (const value of missing) {
        const key = keyOf(value);
        let wait = byAddress.get(key);
        if (!wait) {
          // The timer decides, not a clock comparison: a timer may fire a millisecond before Date.now() says it is due.
          const started = { timer: undefined as NodeJS.Timeout | undefined, expired: options.timeoutMs <= 0 };
          if (!started.expired) {
            started.timer = setTimeout(() => {
              started.timer = undefined;
              started.expired = true;
              options.onExpired(gatewayKey);
            }, options.timeoutMs);
            started.timer.unref();
          }
          wait = started;
          byAddress.set(key, wait);
        }
        if (wait.expired) unusable.push({ value, message: missingMessage(value, service, serviceName, options.timeoutMs) });
      }
      if (byAddress.size === 0) waits.delete(gatewayKey);
      return unusable;
    },
    retain(gatewayKeys) {
      for (const key of [...waits.keys()]) if (!gatewayKeys.has(key)) forget(key);
    },
    stop() {
      for (const key of [...waits.keys()]) forget(key);
    },
  };
}

/** What the Service asks for: its requested addresses and the fields that ask a load balancer or kube-proxy for them. */
function requestSignature(service: ServiceAddressSource): string {
  return JSON.stringify([service.spec?.type ?? '', service.spec?.loadBalancerIP ?? '', service.spec?.externalIPs ?? [], requestedAddresses(service.metadata?.annotations)]);
}

/** gateway_types.go: "SHOULD provide prescriptive information on which address is causing the problem and how to resolve it". */
function missingMessage(value: string, service: ServiceAddressSource, serviceName: string, timeoutMs: number): string {
  const seconds = Math.round(timeoutMs / 1000);
  if (service.spec?.type !== 'LoadBalancer') {
    return `Service ${serviceName} has not had it as an external IP for ${seconds} s: check that the API server admits spec.externalIPs (DenyServiceExternalIPs), or use an IP address that it does`;
  }
  const asked = service.spec.loadBalancerIP;
  if (asked && canonicalAddress(asked) !== canonicalAddress(value)) {
    return `Service ${serviceName} asks its load balancer for one address (spec.loadBalancerIP ${asked}), and in ${seconds} s the load balancer has not given this one as well: request it in a Gateway of its own`;
  }
  return `the load balancer has not assigned it to Service ${serviceName} in ${seconds} s: request an address that the load balancer can give (in one of its pools, not held by another Service); its events on the Service say why it did not`;
}
