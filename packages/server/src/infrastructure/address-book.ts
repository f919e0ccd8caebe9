/**
 * Each Gateway's addresses, read from its Envoy Service: first from the server's lookup (the provider
 * watches Services, so it sees a load balancer's address arrive), else from what the manager last
 * stored or fetched (the Service an apply returned, or a GET when nothing else knows it). When a
 * Gateway's addresses change from what was last reported, `onChanged` says so, so that the server
 * translates again and the Gateway's status follows. The same goes for the static addresses the
 * Service asked for and has not had for `unusableAfterMs` (requested-address-wait.ts).
 */
import type { GatewayStatusAddress } from '@portico/resources';
import type { UnusableGatewayAddress } from '@portico/translator';
import { canonicalAddress } from '@portico/translator';
import { createRequestedAddressWait } from './requested-address-wait.js';
import { requestedAddresses } from './service-address-request.js';
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
  /** How long a Service may miss a static address it asked for before the address is unusable. */
  unusableAfterMs: number;
}

export interface AddressBook {
  /** The Gateway's addresses now; an empty list until the Service has one. Never blocks. */
  addresses(gatewayKey: string): GatewayStatusAddress[];
  /**
   * The static addresses the Gateway's Service asked for and has not had for `unusableAfterMs`; none
   * while the Service asks for something else than `requested` (it is not updated yet).
   */
  unusable(gatewayKey: string, requested?: readonly string[]): UnusableGatewayAddress[];
  /** The Service as the API server returned it (apply, list, get); undefined once it is gone. */
  remember(gatewayKey: string, service: ServiceAddressSource | undefined): void;
  /** Drops what is known of Gateways that are no longer managed. */
  retain(gatewayKeys: ReadonlySet<string>): void;
  stop(): void;
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
  const waits = createRequestedAddressWait({ timeoutMs: options.unusableAfterMs, onExpired: (gatewayKey) => notifyIfChanged(gatewayKey) });
  const current = (gatewayKey: string) => {
    const service = locate(gatewayKey);
    const { namespace, name } = options.serviceFor(gatewayKey);
    return { addresses: service ? serviceAddresses(service) : [], unusable: waits.unusable(gatewayKey, service, `${namespace}/${name}`) };
  };

  function notifyIfChanged(gatewayKey: string): void {
    // Evaluated even before anything was reported: a Service just applied starts the wait for its requested addresses.
    const now = JSON.stringify(current(gatewayKey));
    const last = reported.get(gatewayKey);
    if (last === undefined || now === last) return;
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
      const state = current(gatewayKey);
      reported.set(gatewayKey, JSON.stringify(state));
      return state.addresses;
    },
    unusable(gatewayKey, requested) {
      const { unusable } = current(gatewayKey);
      if (requested && !sameRequest(requested, requestedAddresses(locate(gatewayKey)?.metadata?.annotations))) return [];
      return unusable;
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
      waits.retain(gatewayKeys);
    },
    stop() {
      waits.stop();
    },
  };
}

function sameRequest(a: readonly string[], b: readonly string[]): boolean {
  const [x, y] = [new Set(a.map(canonicalAddress)), new Set(b.map(canonicalAddress))];
  return x.size === y.size && [...x].every((v) => y.has(v));
}
