/**
 * What the isolation tests read back from a running `portico serve`'s admin server: the conditions
 * of a route (/debug/status) and the NACKs Portico recorded from its Envoys (/debug/clients).
 */
import type { ServeProcess } from './serve-process.js';

interface StatusObject {
  kind: string;
  metadata: { namespace?: string; name: string };
  status?: { parents?: { conditions?: { type: string; status: string; reason: string; message: string }[] }[] };
}

/** The conditions Portico reports for a route (first parent), from /debug/status. */
export async function routeConditions(serve: ServeProcess, namespace: string, name: string): Promise<Record<string, { status: string; reason: string; message: string }> | undefined> {
  const { body } = await serve.admin<{ objects: StatusObject[] }>('/debug/status');
  const route = body.objects?.find((o) => o.kind === 'HTTPRoute' && o.metadata.namespace === namespace && o.metadata.name === name);
  const conditions = route?.status?.parents?.[0]?.conditions;
  return conditions ? Object.fromEntries(conditions.map((c) => [c.type, c])) : undefined;
}

/** NACKs Portico recorded from every connected Envoy (all types), from /debug/clients. */
export async function nacksSeenByPortico(serve: ServeProcess): Promise<number> {
  const { body } = await serve.admin<{ clients: { types: Record<string, { nacks?: number }> }[] }>('/debug/clients');
  return body.clients.reduce((sum, c) => sum + Object.values(c.types).reduce((s, t) => s + (t.nacks ?? 0), 0), 0);
}
