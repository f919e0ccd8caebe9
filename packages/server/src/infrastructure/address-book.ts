/**
 * Each Gateway's addresses, read from its Envoy Service: first from the server's lookup (the provider
 * watches Services, so it sees a load balancer's address arrive), else from what the manager last
 * stored or fetched (the Service an apply returned, or a GET when nothing else knows it). When a
 * Gateway's addresses change from what was last reported, `onChanged` says so, so that the server
 * translates again and the Gateway's status follows.
 */
import type { GatewayStatusAddress } from '@portico/resources';
import { serviceAddresses, type ServiceAddressSource } from './service-addresses.js';

export interface ServiceLocation {
  namespace: string;
  name: string;
}

export interface AddressBookOptions {
  /** Where the Envoy Service of a Gateway (`namespace/name`) is. */
  serviceFor(gatewayKey: string): ServiceLocation;
  lookup?: (namespace: string, name: string) => ServiceAddressSource | undefined;
  /** GET of the Service; undefined when it does not exist. */
  fetch(location: ServiceLocation): Promise<ServiceAddressSource | undefined>;
  onChanged?: (gatewayKey: string) => void;
  onFetchError(gatewayKey: string, error: unknown): void;
  /** Least time between two GETs of one Service. */
  refetchAfterMs: number;
}

export interface AddressBook {
  /** The Gateway's addresses now; an empty list until the Service has one. Never blocks. */
  addresses(gatewayKey: string): GatewayStatusAddress[];
  /** The Service as the API server returned it (apply, list, get); undefined once it is gone. */
  remember(gatewayKey: string, service: ServiceAddressSource | undefined): void;
  /** Drops what is known of Gateways that are no longer managed. */
  retain(gatewayKeys: ReadonlySet<string>): void;
}

export function createAddressBook(options: AddressBookOptions): AddressBook {
  /** By gateway key: the Service, or null when the API server said it does not exist. */
  const known = new Map<string, ServiceAddressSource | null>();
  const fetchedAt = new Map<string, number>();
  const fetching = new Set<string>();
  /** By gateway key: the JSON of the addresses last returned, for change detection. */
  const reported = new Map<string, string>();

  const locate = (gatewayKey: string): ServiceAddressSource | undefined => {
    const { namespace, name } = options.serviceFor(gatewayKey);
    return options.lookup?.(namespace, name) ?? known.get(gatewayKey) ?? undefined;
  };
  const current = (gatewayKey: string): GatewayStatusAddress[] => {
    const service = locate(gatewayKey);
    return service ? serviceAddresses(service) : [];
  };

  function notifyIfChanged(gatewayKey: string): void {
    const last = reported.get(gatewayKey);
    if (last === undefined) return;
    const now = JSON.stringify(current(gatewayKey));
    if (now === last) return;
    reported.set(gatewayKey, now);
    options.onChanged?.(gatewayKey);
  }

  function fetchInBackground(gatewayKey: string): void {
    const last = fetchedAt.get(gatewayKey);
    if (fetching.has(gatewayKey) || (last !== undefined && Date.now() - last < options.refetchAfterMs)) return;
    fetching.add(gatewayKey);
    fetchedAt.set(gatewayKey, Date.now());
    options
      .fetch(options.serviceFor(gatewayKey))
      .then((service) => {
        known.set(gatewayKey, service ?? null);
        notifyIfChanged(gatewayKey);
      })
      .catch((error: unknown) => options.onFetchError(gatewayKey, error))
      .finally(() => fetching.delete(gatewayKey));
  }

  return {
    addresses(gatewayKey) {
      const { namespace, name } = options.serviceFor(gatewayKey);
      if (!options.lookup?.(namespace, name)) fetchInBackground(gatewayKey);
      const addresses = current(gatewayKey);
      reported.set(gatewayKey, JSON.stringify(addresses));
      return addresses;
    },
    remember(gatewayKey, service) {
      known.set(gatewayKey, service ?? null);
      fetchedAt.set(gatewayKey, Date.now());
      notifyIfChanged(gatewayKey);
    },
    retain(gatewayKeys) {
      for (const map of [known, fetchedAt, reported]) {
        for (const key of map.keys()) if (!gatewayKeys.has(key)) map.delete(key);
      }
    },
  };
}
