import type { GatewayIR } from '@portico/ir';
import type {
  GatewayClassStatus,
  GatewayStatus,
  Ingress,
  ListenerSetStatus,
  Kind,
  PolicyAncestorStatus,
  RouteParentStatus,
} from '@portico/resources';
import type { TranslationFailure } from './containment.js';
import type { ShadowedMatch } from './gateway-ir/shadowing/shadowed-matches.js';

export type IngressStatus = NonNullable<Ingress['status']>;

/** The status Portico owns on one object. For routes and policies: only our own entries. */
export type ObjectStatus =
  | { kind: 'GatewayClass'; namespace?: undefined; name: string; status: GatewayClassStatus }
  | { kind: 'Gateway'; namespace: string; name: string; status: GatewayStatus }
  | { kind: 'ListenerSet'; namespace: string; name: string; status: ListenerSetStatus }
  | {
      kind: 'HTTPRoute' | 'GRPCRoute' | 'TLSRoute' | 'TCPRoute' | 'UDPRoute';
      namespace: string;
      name: string;
      status: { parents: RouteParentStatus[] };
    }
  | { kind: 'BackendTLSPolicy' | 'XBackendTrafficPolicy' | 'SecurityPolicy' | 'BackendPolicy' | 'XTelemetryPolicy' | 'AccessLogPolicy' | 'RateLimitPolicy'; namespace: string; name: string; status: { ancestors: PolicyAncestorStatus[] } }
  | { kind: 'Ingress'; namespace: string; name: string; status: IngressStatus };

/**
 * Something wrong with an object that has no status condition to say it (Ingress): printed by
 * `portico translate`, and recorded as an Event by the Kubernetes provider.
 */
export interface Diagnostic {
  kind: string;
  namespace?: string;
  name: string;
  message: string;
}

export interface TranslationResult {
  /** IR per gateway, keyed `namespace/name`, in key order. */
  gateways: Map<string, GatewayIR>;
  /** Keyed by `statusKey(kind, namespace, name)`. */
  statuses: Map<string, ObjectStatus>;
  diagnostics: Diagnostic[];
  /**
   * Objects whose translation threw (a bug of ours, contained to them): left out of the IR, their
   * status says so where they have one; the server logs each with its stack and counts it.
   */
  failures: TranslationFailure[];
  /**
   * HTTPRoute and GRPCRoute matches that never match under some listener hostname, because an earlier
   * match takes every request they would (gateway-ir/shadowing/). Sorted by route, rule and match.
   * Absent from results made by hand (tests); `translate` always sets it.
   */
  shadowed?: ShadowedMatch[];
}

export function statusKey(kind: Kind, namespace: string | undefined, name: string): string {
  return namespace ? `${kind}/${namespace}/${name}` : `${kind}/${name}`;
}
