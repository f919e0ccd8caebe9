/**
 * Where each watched kind lives in the Kubernetes API: its group, resource (plural) name and the
 * versions we can read it at. Core kinds have one fixed path; Gateway API kinds come from CRDs, so
 * which version is served (if any) is discovered at run time (served-versions.ts).
 */
import { ALL_KINDS, KINDS, type Kind } from '@portico/resources';

export interface WatchTarget {
  kind: Kind;
  /** '' for the core group. */
  group: string;
  /** The resource name in URLs. */
  plural: string;
  /** Versions we read it at, most preferred first (every one has the shape the translator reads). */
  versions: readonly string[];
  namespaced: boolean;
  /** Installed by a CRD: it may be absent, or served at only some of `versions`. */
  custom: boolean;
}

const PLURALS: Readonly<Record<Kind, string>> = {
  GatewayClass: 'gatewayclasses',
  Gateway: 'gateways',
  ListenerSet: 'listenersets',
  HTTPRoute: 'httproutes',
  GRPCRoute: 'grpcroutes',
  TLSRoute: 'tlsroutes',
  TCPRoute: 'tcproutes',
  UDPRoute: 'udproutes',
  ReferenceGrant: 'referencegrants',
  BackendTLSPolicy: 'backendtlspolicies',
  XBackendTrafficPolicy: 'xbackendtrafficpolicies',
  SecurityPolicy: 'securitypolicies',
  BackendPolicy: 'backendpolicies',
  XTelemetryPolicy: 'xtelemetrypolicies',
  AccessLogPolicy: 'accesslogpolicies',
  RateLimitPolicy: 'ratelimitpolicies',
  Ingress: 'ingresses',
  IngressClass: 'ingressclasses',
  Service: 'services',
  EndpointSlice: 'endpointslices',
  Secret: 'secrets',
  ConfigMap: 'configmaps',
  Namespace: 'namespaces',
};

/** Every watched kind, in the order snapshots list them (the order of KINDS). */
export const WATCH_TARGETS: readonly WatchTarget[] = ALL_KINDS.map((kind) => {
  const info = KINDS[kind];
  return {
    kind,
    group: info.group,
    plural: PLURALS[kind],
    versions: info.versions,
    namespaced: info.namespaced,
    custom: info.group === 'gateway.networking.k8s.io' || info.group === 'gateway.networking.x-k8s.io' || info.group === 'gateway.portico.dev',
  };
});

/** `v1` or `group/version`, as objects of the target carry it. */
export function apiVersionOf(target: Pick<WatchTarget, 'group'>, version: string): string {
  return target.group === '' ? version : `${target.group}/${version}`;
}

/**
 * The collection URL path (list and watch) of the target at `version`: cluster-wide, or of one
 * namespace when `namespace` is given (credentials that may read a kind only in some namespaces).
 */
export function collectionPath(target: Pick<WatchTarget, 'group' | 'plural'>, version: string, namespace?: string): string {
  const root = target.group === '' ? `/api/${version}` : `/apis/${target.group}/${version}`;
  return namespace === undefined ? `${root}/${target.plural}` : `${root}/namespaces/${encodeURIComponent(namespace)}/${target.plural}`;
}

/** The source name a kind reports in `sources()`. */
export function sourceName(kind: Kind): string {
  return `kubernetes:${kind}`;
}
