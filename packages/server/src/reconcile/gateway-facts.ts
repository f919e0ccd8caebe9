/**
 * What `--kubernetes` knows of each Gateway's infrastructure (the addresses its Service got, the
 * static addresses it could not get, its Envoy replicas), as data: the translator options of the same
 * names are functions, which cannot cross to the translation worker. Before each translation the main
 * thread asks them for every Gateway of ours in the snapshot and every IngressClass of ours (the same
 * keys the translator asks for), and the worker answers the translator from this table.
 */
import type { Gateway, GatewayStatusAddress, GatewaySpecAddress, IngressClass, ResourceSet } from '@portico/resources';
import { DEFAULT_INGRESS_CONTROLLER_NAME, type GatewayReadiness, type TranslateOptions, type UnusableGatewayAddress } from '@portico/translator';

/** The answers for one gateway key; a field left out is the function's `undefined`. */
export interface GatewayFacts {
  addresses?: GatewayStatusAddress[];
  unusableAddresses?: readonly UnusableGatewayAddress[];
  readiness?: GatewayReadiness;
}

/** The translator's functions, as the cluster controller gives them (kubernetes-controller.ts). */
export interface GatewayFactSource {
  gatewayAddresses(gateway: string): GatewayStatusAddress[] | undefined;
  gatewayUnusableAddresses(gateway: string, requested: readonly string[]): readonly UnusableGatewayAddress[] | undefined;
  gatewayReadiness(gateway: string): GatewayReadiness | undefined;
}

/** The key of an IngressClass's gateway (@portico/translator ingress-gateway.ts). */
const INGRESS_GATEWAY_NAMESPACE = 'ingressclass';

/** The facts of every gateway key the translator may ask about in `resources`, in key order. */
export function gatewayFactsOf(resources: ResourceSet, controllerName: string, source: GatewayFactSource): [string, GatewayFacts][] {
  const ours = new Set(
    resources
      .list('GatewayClass')
      .filter((c) => c.spec?.controllerName === controllerName)
      .map((c) => c.metadata.name),
  );
  const facts: [string, GatewayFacts][] = [];
  for (const gateway of resources.list('Gateway') as Gateway[]) {
    if (!ours.has(gateway.spec?.gatewayClassName)) continue;
    const key = `${gateway.metadata.namespace ?? 'default'}/${gateway.metadata.name}`;
    const addresses = source.gatewayAddresses(key);
    // The translator asks for the unusable addresses only while there is a list of assigned ones.
    const unusableAddresses = addresses ? source.gatewayUnusableAddresses(key, requestedValues(gateway.spec.addresses ?? [])) : undefined;
    const readiness = source.gatewayReadiness(key);
    facts.push([key, { ...(addresses ? { addresses } : {}), ...(unusableAddresses ? { unusableAddresses } : {}), ...(readiness ? { readiness } : {}) }]);
  }
  for (const ingressClass of resources.list('IngressClass') as IngressClass[]) {
    if (ingressClass.spec?.controller !== DEFAULT_INGRESS_CONTROLLER_NAME) continue;
    const key = `${INGRESS_GATEWAY_NAMESPACE}/${ingressClass.metadata.name}`;
    const addresses = source.gatewayAddresses(key);
    facts.push([key, addresses ? { addresses } : {}]);
  }
  return facts.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** The translator options answered from a table of facts (on the worker). */
export function translatorOptionsFrom(facts: readonly [string, GatewayFacts][]): Pick<TranslateOptions, 'gatewayAddresses' | 'gatewayUnusableAddresses' | 'gatewayReadiness'> {
  const byKey = new Map(facts);
  return {
    gatewayAddresses: (gateway) => byKey.get(gateway)?.addresses,
    gatewayUnusableAddresses: (gateway) => byKey.get(gateway)?.unusableAddresses,
    gatewayReadiness: (gateway) => byKey.get(gateway)?.readiness,
  };
}

/** The values a Gateway's spec.addresses ask for (@portico/translator static-addresses.ts `requestedValues`). */
function requestedValues(requested: readonly GatewaySpecAddress[]): string[] {
  return [...new Set(requested.flatMap((a) => (a.value ? [a.value] : [])))];
}
