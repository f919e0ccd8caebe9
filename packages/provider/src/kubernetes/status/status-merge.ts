/**
 * The status to write, given an object's stored status and the one the translator wants (pure).
 *
 * Routes (`status.parents[]`) and BackendTLSPolicy (`status.ancestors[]`) are shared between
 * controllers: the Gateway API spec lets each controller own only the entries carrying its own
 * `controllerName`, so other controllers' entries are always kept, in place; ours are replaced or
 * removed; new ones are appended (positions stay stable, so an unchanged status compares equal).
 * GatewayClass, Gateway, ListenerSet and Ingress statuses are ours except for conditions: in every
 * condition list we write (GatewayClass, Gateway, ListenerSet, each listener matched by name, our own parents/ancestors entries)
 * a condition whose type we do not write is someone else's and stays untouched, in place
 * (status-conditions.ts). A listener no longer in our status loses its entry, foreign conditions and
 * all: the entry describes a listener that is gone.
 *
 * Conditions keep their stored `lastTransitionTime` while their status does not change, and
 * "unchanged" is judged on the stored form (status-json.ts), so writing the same translation twice
 * sends nothing the second time.
 */
import { GATEWAY_GROUP } from '@portico/resources';
import type { DesiredStatus, OwnedConditionTypes } from '../types.js';
import { withMergedConditions } from './status-conditions.js';
import { withStatusDefaults } from './status-defaults.js';
import { asArray, isRecord, sameStoredStatus, type JsonRecord } from './status-json.js';

export interface StatusMergeInput {
  kind: DesiredStatus['kind'];
  /** The object's namespace: a parentRef without one refers to it. */
  namespace?: string;
  /** Our controllerName; only shared entries carrying it are ours. */
  controllerName: string;
  /** The condition types we write per level; stored conditions of other types are kept. */
  ownedConditionTypes: OwnedConditionTypes;
  /** The object's stored `.status` (anything, possibly absent). */
  current: unknown;
  desired: JsonRecord;
}

export type StatusMergeResult = { changed: false } | { changed: true; status: JsonRecord };

type SharedField =
  | { list: 'parents'; ref: 'parentRef'; conditions: 'routeParent' }
  | { list: 'ancestors'; ref: 'ancestorRef'; conditions: 'policyAncestor' };

/** Identity of a parentRef/ancestorRef with the spec's defaults applied (group, kind, namespace). */
function refKey(ref: unknown, objectNamespace: string | undefined): string {
  const r = isRecord(ref) ? ref : {};
  return JSON.stringify([
    r['group'] ?? GATEWAY_GROUP,
    r['kind'] ?? 'Gateway',
    r['namespace'] ?? objectNamespace ?? '',
    r['name'] ?? '',
    r['sectionName'] ?? '',
    r['port'] ?? '',
  ]);
}

/** Merges shared entries: theirs kept in place, ours replaced in place or removed, new ones appended. */
function mergeSharedEntries(input: StatusMergeInput, field: SharedField, desiredEntries: unknown[]): unknown[] {
  const currentEntries = asArray(isRecord(input.current) ? input.current[field.list] : undefined);
  const unused = new Map<string, JsonRecord[]>();
  for (const entry of desiredEntries) {
    if (!isRecord(entry)) continue;
    const key = refKey(entry[field.ref], input.namespace);
    unused.set(key, [...(unused.get(key) ?? []), entry]);
  }
  const merged: unknown[] = [];
  for (const entry of currentEntries) {
    if (!isRecord(entry) || entry['controllerName'] !== input.controllerName) {
      merged.push(entry);
      continue;
    }
    const replacement = unused.get(refKey(entry[field.ref], input.namespace))?.shift();
    if (replacement) merged.push(withMergedConditions(replacement, entry, input.ownedConditionTypes[field.conditions]));
  }
  for (const entries of unused.values()) merged.push(...entries);
  return merged;
}

/** Gateway and ListenerSet: their own conditions, and each listener's matched by name. */
function mergeGateway(desired: JsonRecord, current: unknown, owned: OwnedConditionTypes, level: 'gateway' | 'listenerSet'): JsonRecord {
  const merged = withMergedConditions(desired, current, owned[level]);
  if (!Array.isArray(desired['listeners'])) return merged;
  const stored = asArray(isRecord(current) ? current['listeners'] : undefined);
  const listeners = desired['listeners'].map((listener) => {
    if (!isRecord(listener)) return listener;
    const previous = stored.find((l) => isRecord(l) && l['name'] === listener['name']);
    return withMergedConditions(listener, previous, owned.listener);
  });
  return { ...merged, listeners };
}

/** The status to write, or `{ changed: false }` when the stored one already says the same. */
export function mergeStatus(input: StatusMergeInput): StatusMergeResult {
  const desired = withStatusDefaults(input.kind, input.desired);
  const current = isRecord(input.current) ? input.current : {};
  let status: JsonRecord;
  switch (input.kind) {
    case 'HTTPRoute':
    case 'GRPCRoute':
    case 'TLSRoute':
    case 'TCPRoute':
    case 'UDPRoute':
      status = { ...current, parents: mergeSharedEntries(input, { list: 'parents', ref: 'parentRef', conditions: 'routeParent' }, asArray(desired['parents'])) };
      break;
    case 'BackendTLSPolicy':
    case 'XBackendTrafficPolicy':
    case 'SecurityPolicy':
    case 'BackendPolicy':
    case 'XTelemetryPolicy':
    case 'AccessLogPolicy':
    case 'RateLimitPolicy':
      status = { ...current, ancestors: mergeSharedEntries(input, { list: 'ancestors', ref: 'ancestorRef', conditions: 'policyAncestor' }, asArray(desired['ancestors'])) };
      break;
    case 'Gateway':
      status = mergeGateway(desired, input.current, input.ownedConditionTypes, 'gateway');
      break;
    case 'ListenerSet':
      status = mergeGateway(desired, input.current, input.ownedConditionTypes, 'listenerSet');
      break;
    case 'GatewayClass':
      status = withMergedConditions(desired, input.current, input.ownedConditionTypes.gatewayClass);
      break;
    case 'Ingress':
      status = desired;
      break;
  }
  return sameStoredStatus(status, input.current) ? { changed: false } : { changed: true, status };
}
