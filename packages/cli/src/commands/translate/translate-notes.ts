/**
 * Why `portico translate` printed no gateway at all. An empty `ir: {}` with exit code 0 says nothing
 * to a new user who gave a lone HTTPRoute, an empty file or a GatewayClass of another controller:
 * these lines (stderr warnings; the exit code stays 0, the input is valid) name what is missing.
 */
import type { KubeObject, Route } from '@portico/resources';
import { statusKey, type TranslationResult } from '@portico/translator';

const ROUTE_KINDS = new Set(['HTTPRoute', 'GRPCRoute', 'TLSRoute', 'TCPRoute', 'UDPRoute']);

/** Empty unless the translation produced no gateway: then why, and which routes have no parent here. */
export function nothingToTranslateNotes(objects: readonly KubeObject[], result: TranslationResult, controllerName: string): string[] {
  if (result.gateways.size > 0) return [];
  if (objects.length === 0) return ['the input holds no objects: nothing to translate'];
  const ourClasses = objects
    .filter((o) => o.kind === 'GatewayClass' && (o.spec as { controllerName?: unknown } | undefined)?.controllerName === controllerName)
    .map((o) => o.metadata.name);
  const ourGateways = objects.filter(
    (o) => o.kind === 'Gateway' && ourClasses.includes(String((o.spec as { gatewayClassName?: unknown } | undefined)?.gatewayClassName)),
  );
  const why =
    ourClasses.length === 0
      ? `no GatewayClass with controllerName ${controllerName} in the input`
      : ourGateways.length === 0
        ? `no Gateway of GatewayClass ${ourClasses.join(', ')} (controllerName ${controllerName}) in the input`
        : `every Gateway of GatewayClass ${ourClasses.join(', ')} is rejected (see their status)`;
  const notes = [`${why}: nothing to translate`];
  for (const o of objects) {
    if (!ROUTE_KINDS.has(o.kind)) continue;
    const route = o as unknown as Route;
    const namespace = route.metadata.namespace ?? 'default';
    if (result.statuses.has(statusKey(route.kind, namespace, route.metadata.name))) continue;
    const parents = (route.spec.parentRefs ?? []).map((p) => `${p.namespace ?? namespace}/${p.name}`);
    const named = parents.length > 0 ? `its parentRefs (${parents.join(', ')}) name no Gateway of ours` : 'it has no parentRefs';
    notes.push(`the ${route.kind} ${namespace}/${route.metadata.name} has no parent here: ${named}`);
  }
  return notes;
}
