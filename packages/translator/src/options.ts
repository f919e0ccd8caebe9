import type { GatewayStatusAddress } from '@portico/resources';
import type { ExternalNameServices } from './backends/external-name-backends.js';
import type { UnusableGatewayAddress } from './gateways/static-addresses.js';
import type { TranslationCache } from './translation-cache.js';

export const DEFAULT_CONTROLLER_NAME = 'portico.dev/gateway-controller';
export const DEFAULT_INGRESS_CONTROLLER_NAME = 'portico.dev/ingress-controller';

/**
 * Ports our own Envoys listen on besides the Gateway's listeners (the Envoy admin API of
 * `portico bootstrap` and of managed proxies, and the managed proxies' readiness listener): a Gateway
 * listener there could never bind, and the Envoy would stay in an error state.
 */
export const DEFAULT_RESERVED_PORTS: ReadonlyMap<number, string> = new Map([
  [19001, "our Envoys' admin API"],
  [19003, "our Envoys' readiness listener"],
]);

export interface GatewayReadiness {
  ready: number;
  wanted: number;
}

export interface TranslateOptions {
  /** GatewayClasses whose `spec.controllerName` equals this are ours. */
  controllerName?: string;
  /** IngressClasses whose `spec.controller` equals this are ours. */
  ingressControllerName?: string;
  /** `lastTransitionTime` of every condition written; tests pin it. */
  now?: Date;
  /**
   * Addresses the infrastructure assigned to a Gateway (`namespace/name`), e.g. the Envoy Service's
   * load-balancer IPs. `undefined`: not managed (offline, file provider): `spec.addresses` are reported
   * as they are. An empty array: managed but nothing assigned yet, so Programmed=False AddressNotAssigned.
   */
  gatewayAddresses?: (gateway: string) => GatewayStatusAddress[] | undefined;
  /**
   * Requested addresses (`spec.addresses` values) the infrastructure of a managed Gateway
   * (`namespace/name`) could not give it, e.g. a load-balancer IP outside the load balancer's pool:
   * Programmed=False AddressNotUsable with each one's message. Requested addresses neither assigned
   * (`gatewayAddresses`) nor refused are still on their way: Programmed=False AddressNotAssigned.
   * `requested`: the values the Gateway asks for now, so that what the infrastructure learnt of an
   * earlier request (a Service not updated yet) is not taken for an answer to this one. Consulted only
   * while `gatewayAddresses` gives a list.
   */
  gatewayUnusableAddresses?: (gateway: string, requested: readonly string[]) => readonly UnusableGatewayAddress[] | undefined;
  /**
   * The Envoy replicas of a Gateway (`namespace/name`) the infrastructure runs: how many are ready
   * (the Deployment's available replicas) of how many are wanted. `undefined`: not managed (offline,
   * file provider, Envoys deployed some other way): readiness is not reported. While none is ready,
   * the Gateway is Programmed=False Pending: its address would refuse connections.
   */
  gatewayReadiness?: (gateway: string) => GatewayReadiness | undefined;
  /**
   * Memory between translations (`createTranslationCache()`): unchanged routes and backends are
   * reused, as the same objects. The result is the same as without it.
   */
  cache?: TranslationCache;
  /** Ports a Gateway listener may not use, with what uses them; default DEFAULT_RESERVED_PORTS. */
  reservedPorts?: ReadonlyMap<number, string>;
  /** ExternalName Services as backends (external-name-backends.ts); default `refuse`. */
  externalNameServices?: ExternalNameServices;
  /**
   * The envoyproxy/ratelimit service (gRPC) that counts RateLimitPolicy `global` rules for every
   * Gateway (`portico serve --rate-limit-service host:port`). Absent: global rules are Invalid.
   */
  rateLimitService?: RateLimitServiceOptions;
}

export interface RateLimitServiceOptions {
  host: string;
  port: number;
  /** Requests pass when the service cannot answer; default true (Envoy's and Envoy Gateway's default). */
  failOpen?: boolean;
  /** Envoy's wait for an answer; default DEFAULT_RATE_LIMIT_TIMEOUT_MS. */
  timeoutMs?: number;
}

/** Envoy waits 20 ms by default, tight for a Redis round trip on a loaded node: the request would pass (or fail) for want of time. */
export const DEFAULT_RATE_LIMIT_TIMEOUT_MS = 100;

export interface ResolvedOptions {
  controllerName: string;
  ingressControllerName: string;
  now: string;
  gatewayAddresses: (gateway: string) => GatewayStatusAddress[] | undefined;
  gatewayUnusableAddresses: (gateway: string, requested: readonly string[]) => readonly UnusableGatewayAddress[] | undefined;
  gatewayReadiness: (gateway: string) => GatewayReadiness | undefined;
  reservedPorts: ReadonlyMap<number, string>;
  externalNameServices: ExternalNameServices;
  rateLimitService?: RateLimitServiceOptions;
}

export function resolveOptions(options: TranslateOptions = {}): ResolvedOptions {
  return {
    controllerName: options.controllerName ?? DEFAULT_CONTROLLER_NAME,
    ingressControllerName: options.ingressControllerName ?? DEFAULT_INGRESS_CONTROLLER_NAME,
    now: (options.now ?? new Date()).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    gatewayAddresses: options.gatewayAddresses ?? (() => undefined),
    gatewayUnusableAddresses: options.gatewayUnusableAddresses ?? (() => undefined),
    gatewayReadiness: options.gatewayReadiness ?? (() => undefined),
    reservedPorts: options.reservedPorts ?? DEFAULT_RESERVED_PORTS,
    externalNameServices: options.externalNameServices ?? 'refuse',
    ...(options.rateLimitService ? { rateLimitService: options.rateLimitService } : {}),
  };
}
