/**
 * Writes a translation's statuses onto copies of the input objects, the way the status writer would
 * write them to the API server: what `portico translate --to gateway-api` prints.
 */
import type { Kind, KubeObject } from '@portico/resources';
import { statusKey, type ObjectStatus, type TranslationResult } from '../result.js';

const GATEWAY_API_GROUP = 'gateway.networking.k8s.io';
const NETWORKING_GROUP = 'networking.k8s.io';

/** The kinds that appear in the output, with the API group each must come from. */
const OUTPUT_KINDS: ReadonlyMap<string, string> = new Map([
  ['GatewayClass', GATEWAY_API_GROUP],
  ['Gateway', GATEWAY_API_GROUP],
  ['ListenerSet', GATEWAY_API_GROUP],
  ['HTTPRoute', GATEWAY_API_GROUP],
  ['GRPCRoute', GATEWAY_API_GROUP],
  ['TLSRoute', GATEWAY_API_GROUP],
  ['TCPRoute', GATEWAY_API_GROUP],
  ['UDPRoute', GATEWAY_API_GROUP],
  ['ReferenceGrant', GATEWAY_API_GROUP],
  ['BackendTLSPolicy', GATEWAY_API_GROUP],
  ['XBackendTrafficPolicy', 'gateway.networking.x-k8s.io'],
  ['SecurityPolicy', 'gateway.portico.dev'],
  ['BackendPolicy', 'gateway.portico.dev'],
  ['XTelemetryPolicy', 'gateway.networking.x-k8s.io'],
  ['AccessLogPolicy', 'gateway.portico.dev'],
  ['RateLimitPolicy', 'gateway.portico.dev'],
  ['Ingress', NETWORKING_GROUP],
  ['IngressClass', NETWORKING_GROUP],
]);

const CLUSTER_SCOPED_KINDS: ReadonlySet<string> = new Set(['GatewayClass', 'IngressClass']);
const ROUTE_KINDS: ReadonlySet<string> = new Set(['HTTPRoute', 'GRPCRoute', 'TLSRoute', 'TCPRoute', 'UDPRoute']);

/** A route's `status.parents[]` or a policy's `status.ancestors[]` entry: owned per controller. */
interface ControllerEntry {
  controllerName?: unknown;
}

/**
 * Returns deep copies of the Gateway API and Ingress/IngressClass objects among `objects`, in input
 * order, with `.status` as Portico would write it. Other kinds (Service, Secret, …) are left out.
 *
 * - Routes and BackendTLSPolicies share their status with other controllers (one entry per parent or
 *   ancestor and controller), so only entries whose `controllerName` is ours are replaced; entries of
 *   other controllers are kept as they are. Our stale entries are removed even when the translation has
 *   nothing for the object any more: the spec asks implementations to clean up entries they no longer own.
 * - GatewayClass, Gateway, ListenerSet and Ingress have one owner: their status is replaced when the translation
 *   has one, and left untouched otherwise (they belong to another controller, or to none).
 * - ReferenceGrant and IngressClass carry no status from us and are printed as given.
 *
 * The inputs are never mutated.
 */
export function applyStatuses(objects: KubeObject[], result: TranslationResult, controllerName: string): KubeObject[] {
  const output: KubeObject[] = [];
  for (const object of objects) {
    if (!isOutputKind(object)) continue;
    const copy = structuredClone(object);
    const ours = result.statuses.get(statusKeyOf(copy));
    if (ROUTE_KINDS.has(copy.kind)) {
      mergeControllerEntries(copy, 'parents', ownEntries(ours, 'parents'), controllerName);
    } else if (copy.kind === 'BackendTLSPolicy' || copy.kind === 'XBackendTrafficPolicy' || copy.kind === 'SecurityPolicy' || copy.kind === 'BackendPolicy' || copy.kind === 'XTelemetryPolicy' || copy.kind === 'AccessLogPolicy' || copy.kind === 'RateLimitPolicy') {
      mergeControllerEntries(copy, 'ancestors', ownEntries(ours, 'ancestors'), controllerName);
    } else if (ours && (copy.kind === 'GatewayClass' || copy.kind === 'Gateway' || copy.kind === 'ListenerSet' || copy.kind === 'Ingress')) {
      copy.status = structuredClone(ours.status);
    }
    output.push(copy);
  }
  return output;
}

function isOutputKind(object: KubeObject): boolean {
  const group = OUTPUT_KINDS.get(object.kind);
  if (group === undefined || typeof object.apiVersion !== 'string') return false;
  // Same kind name, other API (e.g. networking.istio.io Gateway): not ours to print.
  const slash = object.apiVersion.lastIndexOf('/');
  return (slash < 0 ? '' : object.apiVersion.slice(0, slash)) === group;
}

/** Namespaced objects without a namespace live in `default`, as in ResourceSet and kubectl. */
function statusKeyOf(object: KubeObject): string {
  const namespace = CLUSTER_SCOPED_KINDS.has(object.kind) ? undefined : (object.metadata.namespace ?? 'default');
  return statusKey(object.kind as Kind, namespace, object.metadata.name);
}

function ownEntries(status: ObjectStatus | undefined, field: 'parents' | 'ancestors'): ControllerEntry[] | undefined {
  const entries = (status?.status as Record<string, unknown> | undefined)?.[field];
  return Array.isArray(entries) ? (entries as ControllerEntry[]) : undefined;
}

/**
 * Replaces our entries of `status[field]` with `ours`, keeping other controllers' entries first and in
 * their order. An object that had no entries of ours and gets none keeps its status byte for byte.
 */
function mergeControllerEntries(
  object: KubeObject,
  field: 'parents' | 'ancestors',
  ours: ControllerEntry[] | undefined,
  controllerName: string,
): void {
  const status = isRecord(object.status) ? object.status : undefined;
  const existing: unknown[] = Array.isArray(status?.[field]) ? (status[field] as unknown[]) : [];
  const others = existing.filter((entry) => !isRecord(entry) || entry.controllerName !== controllerName);
  const hadOurs = others.length !== existing.length;
  if (!hadOurs && (ours === undefined || ours.length === 0)) return;
  object.status = { ...status, [field]: [...others, ...structuredClone(ours ?? [])] };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
