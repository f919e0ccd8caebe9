/**
 * TLSRoute, TCPRoute and UDPRoute: one rule of weighted backends (the v1 CRDs allow exactly one rule).
 * An invalid backend keeps its share as an `invalid` entry: connections given to it are refused.
 */
import { GATEWAY_GROUP, type TCPRoute, type TLSRoute, type UDPRoute } from '@portico/resources';
import type { ProtocolHint } from './backends.js';
import type { TranslationContext } from './context.js';
import { resolveBackendRef } from './backends.js';
import type { TranslatedRoute } from './translated-route.js';
import type { WeightedBackendIR } from '@portico/ir';

export function translateL4Route(ctx: TranslationContext, route: TLSRoute | TCPRoute | UDPRoute): TranslatedRoute {
  const namespace = route.metadata.namespace ?? 'default';
  const from = { group: GATEWAY_GROUP, kind: route.kind, namespace };
  const out: TranslatedRoute = { route, unresolved: [], servicePorts: [], entries: [] };
  const hint: ProtocolHint = route.kind === 'UDPRoute' ? 'UDP' : 'TCP';
  const rules = route.spec.rules ?? [];
  if (rules.length > 1) {
    out.invalid = { reason: 'UnsupportedValue', message: `${route.kind} supports exactly one rule, found ${rules.length}` };
  }
  const backends: WeightedBackendIR[] = [];
  for (const ref of rules[0]?.backendRefs ?? []) {
    const weight = ref.weight ?? 1;
    const resolution = resolveBackendRef(ctx, from, ref, hint);
    if (!resolution.ok) {
      out.unresolved.push({ reason: resolution.reason, message: resolution.message });
      if (weight > 0) backends.push({ weight, invalid: { status: 0, reason: resolution.message } });
      continue;
    }
    if (weight === 0) continue;
    backends.push(
      resolution.invalidTLS
        ? { weight, invalid: { status: 0, reason: resolution.invalidTLS } }
        : { weight, backend: resolution.backend.name },
    );
  }
  out.l4 = {
    name: `${route.kind.toLowerCase()}/${namespace}/${route.metadata.name}`,
    source: { kind: route.kind, namespace, name: route.metadata.name },
    destination: { backends },
  };
  return out;
}
