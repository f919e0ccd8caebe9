/**
 * What a quarantine (quarantine.ts) does to statuses: the route's parent entry for the gateway says
 * that Envoy refused the rule, with Envoy's own words. Some rules left: `PartiallyInvalid=True`
 * ("Dropped Rule <i>: …", as the translator says of rules it drops itself); none left: `Accepted=False`.
 * Reason `UnsupportedValue` (shared_types.go: a value the implementation does not support). An
 * Ingress has no conditions: it gets a diagnostic, as the translator's other Ingress problems do.
 * A new result is returned; the translator's objects (which its cache reuses) are never changed.
 */
import type { Condition, ListenerSet, RouteParentStatus } from '@portico/resources';
import { statusKey, type ObjectStatus, type TranslationResult } from '@portico/translator';
import type { QuarantineEntry } from './quarantine.js';
import { routeUnits } from './route-units.js';

export const QUARANTINE_REASON = 'UnsupportedValue';

/**
 * `listenerSets`: the snapshot's ListenerSets, so that a route attached to a gateway through one of
 * them (parentRef kind ListenerSet, GEP-1713) has that parent entry marked too.
 */
export function withQuarantineStatuses(result: TranslationResult, entries: readonly QuarantineEntry[], now: Date, listenerSets: readonly ListenerSet[] = []): TranslationResult {
  if (entries.length === 0) return result;
  const listenerSetGateways = new Map<string, string>();
  for (const ls of listenerSets) {
    const namespace = ls.metadata.namespace ?? 'default';
    const parent = ls.spec?.parentRef;
    if (parent?.name) listenerSetGateways.set(`${namespace}/${ls.metadata.name}`, `${parent.namespace ?? namespace}/${parent.name}`);
  }
  const statuses = new Map(result.statuses);
  const diagnostics = [...result.diagnostics];
  const byObject = new Map<string, QuarantineEntry[]>();
  for (const entry of entries) {
    const key = `${entry.gateway}\u0000${entry.kind}/${entry.namespace}/${entry.name}`;
    byObject.set(key, [...(byObject.get(key) ?? []), entry]);
  }
  for (const group of byObject.values()) {
    const { gateway, kind, namespace, name } = group[0]!;
    const message = group.map(describe).join('; ');
    if (kind === 'Ingress') {
      diagnostics.push({ kind, namespace, name, message: `${message} (gateway ${gateway})` });
      continue;
    }
    const key = statusKey(kind as 'HTTPRoute', namespace, name);
    const status = statuses.get(key);
    if (!status || !('parents' in status.status)) continue;
    const ir = result.gateways.get(gateway);
    const served = ir ? new Set([...routeUnits(ir).keys()].filter((unit) => unit.startsWith(`${kind}/${namespace}/${name}/`) || unit === `${kind}/${namespace}/${name}`)) : new Set<string>();
    const allRefused = [...served].every((unit) => group.some((e) => e.unit === unit));
    const parents = status.status.parents.map((parent) => (parentIsGateway(parent, namespace, gateway, listenerSetGateways) ? withCondition(parent, allRefused, message, now) : parent));
    statuses.set(key, { ...status, status: { ...status.status, parents } } as ObjectStatus);
  }
  return { ...result, statuses, diagnostics };
}

function describe(entry: QuarantineEntry): string {
  const what = entry.rule === undefined ? 'its routes' : `Rule ${entry.rule}`;
  return `Dropped ${what}: Envoy (${entry.refusedBy}) refused the route table with it and it is quarantined until the object changes: ${entry.error}`;
}

function parentIsGateway(parent: RouteParentStatus, routeNamespace: string, gateway: string, listenerSetGateways: ReadonlyMap<string, string>): boolean {
  const ref = parent.parentRef;
  const key = `${ref.namespace ?? routeNamespace}/${ref.name}`;
  switch (ref.kind ?? 'Gateway') {
    case 'Gateway':
      return key === gateway;
    case 'ListenerSet':
      return listenerSetGateways.get(key) === gateway;
    default:
      return false;
  }
}

function withCondition(parent: RouteParentStatus, allRefused: boolean, message: string, now: Date): RouteParentStatus {
  const accepted = parent.conditions.find((c) => c.type === 'Accepted');
  const observedGeneration = accepted?.observedGeneration ?? 1;
  const condition = (type: string, status: 'True' | 'False', text: string): Condition => ({
    type,
    status,
    reason: QUARANTINE_REASON,
    message: text,
    observedGeneration,
    lastTransitionTime: now.toISOString(),
  });
  if (allRefused) {
    const others = parent.conditions.filter((c) => c.type !== 'Accepted' && c.type !== 'PartiallyInvalid');
    return { ...parent, conditions: [condition('Accepted', 'False', message), ...others] };
  }
  if (accepted?.status !== 'True') return parent;
  const partial = parent.conditions.find((c) => c.type === 'PartiallyInvalid' && c.status === 'True');
  const text = partial ? `${partial.message}; ${message}` : message;
  const others = parent.conditions.filter((c) => c.type !== 'PartiallyInvalid');
  return { ...parent, conditions: [...others, condition('PartiallyInvalid', 'True', text)] };
}
