/**
 * Statuses as one row per object (per parent for routes, per ancestor for policies): what
 * `portico dump status` prints as a table and what the server logs when an object's health changes.
 * Read from objects with `.status` as the status writer would write them (the /debug/status shape),
 * so the CLI and the server read the same data the same way.
 */

/** The least of an object the rows need: kind, namespace, name and status. */
export interface StatusObject {
  kind: string;
  metadata: { name: string; namespace?: string };
  status?: unknown;
}

export interface StatusRow {
  kind: string;
  namespace?: string;
  name: string;
  /** Routes: the parentRef (`namespace/name[/section]`); policies: the ancestor. */
  parent?: string;
  /** Condition statuses (`True`, `False`, `Unknown`); absent when the kind has no such condition. */
  accepted?: string;
  programmed?: string;
  resolvedRefs?: string;
  /** The first condition that is not healthy, as `Type: Reason` (listeners as `listener <name> Type: Reason`). */
  reason?: string;
  message?: string;
}

interface Condition {
  type?: string;
  status?: string;
  reason?: string;
  message?: string;
}

/** Condition types where `True` is the healthy value; for the others (Conflicted, OverlappingTLSConfig) `True` is the problem. */
const POSITIVE: ReadonlySet<string> = new Set(['Accepted', 'Programmed', 'ResolvedRefs', 'Ready']);

export function statusRows(objects: readonly StatusObject[]): StatusRow[] {
  return objects.flatMap((object) => rowsOf(object));
}

/** True when a row shows a problem (a condition not healthy). */
export function isUnhealthy(row: StatusRow): boolean {
  return row.reason !== undefined;
}

function rowsOf(object: StatusObject): StatusRow[] {
  const base = { kind: object.kind, ...(object.metadata.namespace ? { namespace: object.metadata.namespace } : {}), name: object.metadata.name };
  const status = (object.status ?? {}) as Record<string, unknown>;
  const entries = (Array.isArray(status.parents) ? status.parents : Array.isArray(status.ancestors) ? status.ancestors : undefined) as
    | Record<string, unknown>[]
    | undefined;
  if (entries) {
    return entries.map((entry) => {
      const ref = (entry.parentRef ?? entry.ancestorRef ?? {}) as Record<string, unknown>;
      return { ...base, parent: parentName(ref, object.metadata.namespace), ...conditionColumns(conditionsOf(entry), [], ['Accepted', 'ResolvedRefs']) };
    });
  }
  if (!Array.isArray(status.conditions)) return [{ ...base }];
  const listeners = (Array.isArray(status.listeners) ? status.listeners : []) as Record<string, unknown>[];
  const listenerConditions = listeners.flatMap((l) => conditionsOf(l).map((c) => ({ ...c, listener: String(l.name) })));
  const columns = object.kind === 'Gateway' || object.kind === 'ListenerSet' ? ['Accepted', 'Programmed'] : ['Accepted'];
  return [{ ...base, ...conditionColumns(conditionsOf(status), listenerConditions, columns) }];
}

function conditionColumns(
  conditions: Condition[],
  listenerConditions: (Condition & { listener: string })[],
  columns: readonly string[],
): Omit<StatusRow, 'kind' | 'name' | 'namespace' | 'parent'> {
  const out: Omit<StatusRow, 'kind' | 'name' | 'namespace' | 'parent'> = {};
  const find = (type: string) => conditions.find((c) => c.type === type)?.status;
  if (columns.includes('Accepted')) out.accepted = find('Accepted') ?? 'Unknown';
  if (columns.includes('Programmed')) out.programmed = find('Programmed') ?? 'Unknown';
  if (columns.includes('ResolvedRefs')) out.resolvedRefs = find('ResolvedRefs') ?? 'Unknown';
  const bad = conditions.find(unhealthy);
  const badListener = listenerConditions.find(unhealthy);
  if (bad) {
    out.reason = `${bad.type}: ${bad.reason ?? ''}`;
    if (bad.message) out.message = bad.message;
  } else if (badListener) {
    out.reason = `listener ${badListener.listener} ${badListener.type}: ${badListener.reason ?? ''}`;
    if (badListener.message) out.message = badListener.message;
  }
  return out;
}

function unhealthy(c: Condition): boolean {
  if (c.type === undefined) return false;
  return POSITIVE.has(c.type) ? c.status !== 'True' : c.status === 'True';
}

function conditionsOf(value: Record<string, unknown>): Condition[] {
  return (Array.isArray(value.conditions) ? value.conditions : []) as Condition[];
}

/** `namespace/name[/section]`; a parentRef without namespace is in the route's own namespace. */
function parentName(ref: Record<string, unknown>, namespace: string | undefined): string {
  const ns = typeof ref.namespace === 'string' ? ref.namespace : namespace;
  const name = `${ns ? `${ns}/` : ''}${String(ref.name ?? '')}`;
  return typeof ref.sectionName === 'string' ? `${name}/${ref.sectionName}` : name;
}
