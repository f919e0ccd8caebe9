/**
 * What the chain checks (GatewayClass → Gateway → Listener → Route → ReferenceGrant) read from a
 * DiagnoseInput: the translator's statuses of an object, its conditions, and which Gateway a parentRef
 * leads to. The translator has already decided every condition; the checks add the why and the fix.
 */
import {
  GATEWAY_GROUP,
  type Condition,
  type GatewayClassStatus,
  type GatewayStatus,
  type KubeObject,
  type ListenerSetStatus,
  type ParentReference,
  type PolicyAncestorStatus,
  type Route,
  type RouteParentStatus,
} from '@portico/resources';
import { statusKey, type ObjectStatus } from '@portico/translator';

/** Re-exported for the checks: the comparison lives with the types (@portico/resources). */
export { sameParentRef } from '@portico/resources';
import type { DiagnoseInput, ObjectRef } from '../findings.js';

export const ROUTE_KINDS = ['HTTPRoute', 'GRPCRoute', 'TLSRoute', 'TCPRoute', 'UDPRoute'] as const;

/** The status the translator writes, by kind (ObjectStatus of @portico/translator). */
interface StatusByKind {
  GatewayClass: GatewayClassStatus;
  Gateway: GatewayStatus;
  ListenerSet: ListenerSetStatus;
  HTTPRoute: { parents: RouteParentStatus[] };
  GRPCRoute: { parents: RouteParentStatus[] };
  TLSRoute: { parents: RouteParentStatus[] };
  TCPRoute: { parents: RouteParentStatus[] };
  UDPRoute: { parents: RouteParentStatus[] };
  BackendTLSPolicy: { ancestors: PolicyAncestorStatus[] };
  XBackendTrafficPolicy: { ancestors: PolicyAncestorStatus[] };
  SecurityPolicy: { ancestors: PolicyAncestorStatus[] };
  BackendPolicy: { ancestors: PolicyAncestorStatus[] };
  XTelemetryPolicy: { ancestors: PolicyAncestorStatus[] };
  AccessLogPolicy: { ancestors: PolicyAncestorStatus[] };
  RateLimitPolicy: { ancestors: PolicyAncestorStatus[] };
  Ingress: unknown;
}

export type StatusOf<K extends ObjectStatus['kind']> = StatusByKind[K];

/** The status Portico decided for an object; undefined when the object is not ours (or unknown). */
export function statusOf<K extends ObjectStatus['kind']>(input: DiagnoseInput, kind: K, namespace: string | undefined, name: string): StatusOf<K> | undefined {
  const entry: ObjectStatus | undefined = input.translation.statuses.get(statusKey(kind, namespace, name));
  if (!entry || entry.kind !== kind) return undefined;
  const status: unknown = entry.status;
  return status as StatusOf<K>;
}

export function condition(conditions: readonly Condition[] | undefined, type: string): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

export function namespaceOf(object: KubeObject): string {
  return object.metadata.namespace ?? 'default';
}

/** `namespace/name`, the key gateways are reported under. */
export function keyOf(object: KubeObject): string {
  return `${namespaceOf(object)}/${object.metadata.name}`;
}

export function refOf(object: KubeObject): ObjectRef {
  return object.metadata.namespace === undefined && object.kind === 'GatewayClass'
    ? { kind: object.kind, name: object.metadata.name }
    : { kind: object.kind, namespace: namespaceOf(object), name: object.metadata.name };
}

export function allRoutes(input: DiagnoseInput): Route[] {
  return ROUTE_KINDS.flatMap((kind) => input.resources.list(kind) as Route[]);
}

/** The Gateway or ListenerSet a parentRef names (Gateway API group only), with its namespace defaulted. */
export function parentTarget(parentRef: ParentReference, routeNamespace: string): { kind: 'Gateway' | 'ListenerSet'; namespace: string; name: string } | undefined {
  if ((parentRef.group ?? GATEWAY_GROUP) !== GATEWAY_GROUP) return undefined;
  const kind = parentRef.kind ?? 'Gateway';
  if (kind !== 'Gateway' && kind !== 'ListenerSet') return undefined;
  return { kind, namespace: parentRef.namespace ?? routeNamespace, name: parentRef.name };
}

/** The Gateway (`namespace/name`) a parentRef leads to: the Gateway itself, or a ListenerSet's parent. */
export function parentGatewayKey(input: DiagnoseInput, parentRef: ParentReference, routeNamespace: string): string | undefined {
  const target = parentTarget(parentRef, routeNamespace);
  if (!target) return undefined;
  if (target.kind === 'Gateway') return `${target.namespace}/${target.name}`;
  const ls = input.resources.get('ListenerSet', target.namespace, target.name);
  return ls?.spec?.parentRef ? `${ls.spec.parentRef.namespace ?? target.namespace}/${ls.spec.parentRef.name}` : undefined;
}

/** The gateways a route is attached to or tried to attach to: one per parentRef entry of ours in its status. */
export function routeGateways(input: DiagnoseInput, route: Route): string[] {
  const status = statusOf(input, route.kind, namespaceOf(route), route.metadata.name);
  const keys = (status?.parents ?? []).map((p) => parentGatewayKey(input, p.parentRef, namespaceOf(route)));
  return [...new Set(keys.filter((k): k is string => k !== undefined))].sort();
}

/** The Gateways the translation produced a status for: those of our accepted GatewayClasses. */
export function ourGateways(input: DiagnoseInput) {
  return input.resources.list('Gateway').filter((g) => statusOf(input, 'Gateway', namespaceOf(g), g.metadata.name) !== undefined);
}

