/**
 * The kinds Portico watches, and the apiVersions it accepts for each. Older Gateway API versions
 * (v1beta1, v1alpha2, v1alpha3) have the same shape as v1 for the fields we read, so they share one model.
 */
import type { ConfigMap, EndpointSlice, Namespace, Secret, Service } from './core.js';
import type {
  BackendTLSPolicy,
  Gateway,
  GatewayClass,
  GRPCRoute,
  HTTPRoute,
  ListenerSet,
  ReferenceGrant,
  TCPRoute,
  TLSRoute,
  UDPRoute,
} from './gateway-api.js';
import type { Ingress, IngressClass } from './networking.js';
import type { XBackendTrafficPolicy } from './backend-traffic-policy.js';
import type { SecurityPolicy } from './security-policy.js';
import type { BackendPolicy } from './backend-policy.js';
import type { XTelemetryPolicy } from './telemetry-policy.js';
import type { AccessLogPolicy } from './access-log-policy.js';
import type { RateLimitPolicy } from './rate-limit-policy.js';

export interface KindMap {
  GatewayClass: GatewayClass;
  Gateway: Gateway;
  ListenerSet: ListenerSet;
  HTTPRoute: HTTPRoute;
  GRPCRoute: GRPCRoute;
  TLSRoute: TLSRoute;
  TCPRoute: TCPRoute;
  UDPRoute: UDPRoute;
  ReferenceGrant: ReferenceGrant;
  BackendTLSPolicy: BackendTLSPolicy;
  XBackendTrafficPolicy: XBackendTrafficPolicy;
  SecurityPolicy: SecurityPolicy;
  BackendPolicy: BackendPolicy;
  XTelemetryPolicy: XTelemetryPolicy;
  AccessLogPolicy: AccessLogPolicy;
  RateLimitPolicy: RateLimitPolicy;
  Ingress: Ingress;
  IngressClass: IngressClass;
  Service: Service;
  EndpointSlice: EndpointSlice;
  Secret: Secret;
  ConfigMap: ConfigMap;
  Namespace: Namespace;
}

export type Kind = keyof KindMap;

export interface KindInfo {
  kind: Kind;
  group: string;
  versions: readonly string[];
  namespaced: boolean;
}

const GW = 'gateway.networking.k8s.io';

export const KINDS: Readonly<Record<Kind, KindInfo>> = {
  GatewayClass: { kind: 'GatewayClass', group: GW, versions: ['v1', 'v1beta1'], namespaced: false },
  Gateway: { kind: 'Gateway', group: GW, versions: ['v1', 'v1beta1'], namespaced: true },
  ListenerSet: { kind: 'ListenerSet', group: GW, versions: ['v1'], namespaced: true },
  HTTPRoute: { kind: 'HTTPRoute', group: GW, versions: ['v1', 'v1beta1'], namespaced: true },
  GRPCRoute: { kind: 'GRPCRoute', group: GW, versions: ['v1'], namespaced: true },
  TLSRoute: { kind: 'TLSRoute', group: GW, versions: ['v1', 'v1alpha3', 'v1alpha2'], namespaced: true },
  TCPRoute: { kind: 'TCPRoute', group: GW, versions: ['v1', 'v1alpha2'], namespaced: true },
  UDPRoute: { kind: 'UDPRoute', group: GW, versions: ['v1', 'v1alpha2'], namespaced: true },
  ReferenceGrant: { kind: 'ReferenceGrant', group: GW, versions: ['v1', 'v1beta1'], namespaced: true },
  BackendTLSPolicy: { kind: 'BackendTLSPolicy', group: GW, versions: ['v1', 'v1alpha3'], namespaced: true },
  XBackendTrafficPolicy: { kind: 'XBackendTrafficPolicy', group: 'gateway.networking.x-k8s.io', versions: ['v1alpha1'], namespaced: true },
  SecurityPolicy: { kind: 'SecurityPolicy', group: 'gateway.portico.dev', versions: ['v1alpha1'], namespaced: true },
  BackendPolicy: { kind: 'BackendPolicy', group: 'gateway.portico.dev', versions: ['v1alpha1'], namespaced: true },
  XTelemetryPolicy: { kind: 'XTelemetryPolicy', group: 'gateway.networking.x-k8s.io', versions: ['v1alpha1'], namespaced: true },
  AccessLogPolicy: { kind: 'AccessLogPolicy', group: 'gateway.portico.dev', versions: ['v1alpha1'], namespaced: true },
  RateLimitPolicy: { kind: 'RateLimitPolicy', group: 'gateway.portico.dev', versions: ['v1alpha1'], namespaced: true },
  Ingress: { kind: 'Ingress', group: 'networking.k8s.io', versions: ['v1'], namespaced: true },
  IngressClass: { kind: 'IngressClass', group: 'networking.k8s.io', versions: ['v1'], namespaced: false },
  Service: { kind: 'Service', group: '', versions: ['v1'], namespaced: true },
  EndpointSlice: { kind: 'EndpointSlice', group: 'discovery.k8s.io', versions: ['v1'], namespaced: true },
  Secret: { kind: 'Secret', group: '', versions: ['v1'], namespaced: true },
  ConfigMap: { kind: 'ConfigMap', group: '', versions: ['v1'], namespaced: true },
  Namespace: { kind: 'Namespace', group: '', versions: ['v1'], namespaced: false },
};

export const ALL_KINDS = Object.keys(KINDS) as Kind[];

/** Splits `group/version` (or a bare core `version`). */
export function parseApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.lastIndexOf('/');
  return slash < 0
    ? { group: '', version: apiVersion }
    : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

/** The watched kind this apiVersion/kind pair denotes, or undefined if Portico does not read it. */
export function lookupKind(apiVersion: string, kind: string): KindInfo | undefined {
  const info = (KINDS as Record<string, KindInfo | undefined>)[kind];
  if (!info) return undefined;
  const { group, version } = parseApiVersion(apiVersion);
  return info.group === group && info.versions.includes(version) ? info : undefined;
}

/** Any watched object, typed by its kind. */
export type Resource = KindMap[Kind];
