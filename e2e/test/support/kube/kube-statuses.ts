/**
 * Statuses of Gateway API objects, read from the API server or printed by `portico translate --to
 * gateway-api`, made comparable: the same objects translated twice differ only in the time of the
 * translation (`lastTransitionTime`), which is dropped. Gateway `addresses` come from the cluster (the
 * Envoy Service's clusterIP) and are compared on their own.
 */
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { PORTICO_BIN } from '../serve-process.js';

export type Condition = { type: string; status: string; reason: string; message: string; observedGeneration?: number; lastTransitionTime?: string };
export type RouteParentStatus = { parentRef: Record<string, unknown>; controllerName: string; conditions: Condition[] };

export interface StatusOf {
  kind: string;
  namespace?: string;
  name: string;
  status: Record<string, unknown> | undefined;
}

/** A deep copy without `lastTransitionTime` and without Gateway `addresses`. */
export function comparableStatus(kind: string, status: Record<string, unknown> | undefined): unknown {
  const copy = JSON.parse(JSON.stringify(status ?? {}), (key, value: unknown) => (key === 'lastTransitionTime' ? undefined : value)) as Record<string, unknown>;
  if (kind === 'Gateway') delete copy.addresses;
  return copy;
}

/** `kind ns/name` → comparable status. */
export function comparableStatuses(objects: StatusOf[]): Record<string, unknown> {
  return Object.fromEntries(objects.map((o) => [`${o.kind} ${o.namespace ? `${o.namespace}/` : ''}${o.name}`, comparableStatus(o.kind, o.status)]));
}

/** Runs `portico translate --to gateway-api -o json` on `objects` (written as YAML into `dir`): every object with its status. */
export async function translateOffline(objects: object[], dir: string): Promise<StatusOf[]> {
  const file = join(dir, 'cluster.yaml');
  writeFileSync(file, objects.map((o) => stringify(o)).join('---\n'));
  const { stdout } = await promisify(execFile)(process.execPath, [PORTICO_BIN, 'translate', '-f', file, '--to', 'gateway-api', '-o', 'json'], { maxBuffer: 64 * 1024 * 1024 });
  const list = JSON.parse(stdout) as { items: { kind: string; metadata: { name: string; namespace?: string }; status?: Record<string, unknown> }[] };
  return list.items.map((o) => ({ kind: o.kind, name: o.metadata.name, ...(o.metadata.namespace ? { namespace: o.metadata.namespace } : {}), status: o.status }));
}

/** Our controller's entry for `gateway` (`ns/name`) in a route's `status.parents`. */
export function ourParent(status: Record<string, unknown> | undefined, controllerName: string): RouteParentStatus | undefined {
  return ((status?.parents as RouteParentStatus[] | undefined) ?? []).find((p) => p.controllerName === controllerName);
}

/** `{ Accepted: 'True/Accepted', ResolvedRefs: 'False/BackendNotFound' }` for compact expectations. */
export function conditionSummary(conditions: Condition[] | undefined): Record<string, string> {
  return Object.fromEntries((conditions ?? []).map((c) => [c.type, `${c.status}/${c.reason}`]));
}
