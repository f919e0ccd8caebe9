/** Node ids of the dashboard's graph (contract.ts `NodeId`): the kind, then the name path. */
import type { NodeId, PolicyKind } from '@portico/ui';

export const gatewayClassId = (name: string): NodeId => `GatewayClass/${name}`;
/** `key` is the gateway's `namespace/name` (`ingressclass/<class>` for an IngressClass's gateway). */
export const gatewayId = (key: string): NodeId => `Gateway/${key}`;
export const listenerSetId = (namespace: string, name: string): NodeId => `ListenerSet/${namespace}/${name}`;
/** A listener of a Gateway or ListenerSet `<namespace>/<name>`. */
export const listenerId = (ownerNamespace: string, ownerName: string, listener: string): NodeId => `Listener/${ownerNamespace}/${ownerName}/${listener}`;
export const objectId = (kind: string, namespace: string, name: string): NodeId => `${kind}/${namespace}/${name}`;
export const serviceId = (namespace: string, name: string): NodeId => `Service/${namespace}/${name}`;
export const backendId = (namespace: string, name: string): NodeId => `Backend/${namespace}/${name}`;
export const endpointId = (namespace: string, service: string, address: string, port: number | string): NodeId =>
  `Endpoint/${namespace}/${service}/${address.includes(':') ? `[${address}]` : address}:${port}`;

export const ROUTE_KINDS = ['HTTPRoute', 'GRPCRoute', 'TLSRoute', 'TCPRoute', 'UDPRoute'] as const;
export type RouteKind = (typeof ROUTE_KINDS)[number];

/** The policy kinds the graph draws, in the order the document lists them (after everything they target). */
export const POLICY_KINDS: readonly PolicyKind[] = ['SecurityPolicy', 'RateLimitPolicy', 'AccessLogPolicy', 'XTelemetryPolicy', 'BackendPolicy', 'BackendTLSPolicy', 'XBackendTrafficPolicy'];
