/**
 * TLSRoute, TCPRoute and UDPRoute: one rule of weighted backends (the v1 CRDs allow exactly one rule).
 * An invalid backend keeps its share as an `invalid` entry: connections given to it are refused.
 * A TLSRoute also gets the destination its Terminate listeners use when a BackendTLSPolicy applies to
 * one of its backends (re-encryption); Passthrough listeners keep the plain one.
 */
import { GATEWAY_GROUP, type TCPRoute, type TLSRoute, type UDPRoute } from '@portico/resources';
import type { ProtocolHint } from '../backends/backends.js';
import type { TranslationContext } from '../context.js';
import { reencryptingBackend, resolveBackendRef } from '../backends/backends.js';
import type { TranslatedRoute } from './translated-route.js';
import type { WeightedBackendIR } from '@portico/ir';

export function translateL4Route(ctx: TranslationContext, route: TLSRoute | TCPRoute | UDPRoute): TranslatedRoute {
  const namespace = route.metadata.namespace ?? 'default';
  const from = { group: GATEWAY_GROUP, kind: route.kind, namespace };
  const out: TranslatedRoute = { route, unresolved: [], servicePorts: [], entries: [] };
  const hint: ProtocolHint = route.kind === 'UDPRoute' ? 'UDP' : 'TCP';
  const terminating = route.kind === 'TLSRoute';
  const rules = route.spec.rules ?? [];
  if (rules.length > 1) {
    out.invalid = { reason: 'UnsupportedValue', message: `${route.kind} supports exactly one rule, found ${rules.length}` };
  }
  const backends: WeightedBackendIR[] = [];
  const terminateBackends: WeightedBackendIR[] = [];
  let reencrypts = false;
  // A TCP connection has no headers or cookies: of a BackendPolicy's hash keys only the client's
  // address applies (tcp_proxy hash_policy), from the first backend that hashes on it.
  let sourceIpHash = false;
  for (const ref of rules[0]?.backendRefs ?? []) {
    const weight = ref.weight ?? 1;
    const resolution = resolveBackendRef(ctx, from, ref, hint);
    if (!resolution.ok) {
      out.unresolved.push({ reason: resolution.reason, message: resolution.message });
      if (weight > 0) {
        backends.push({ weight, invalid: { status: 0, reason: resolution.message } });
        terminateBackends.push({ weight, invalid: { status: 0, reason: resolution.message } });
      }
      continue;
    }
    const { backend } = resolution;
    if (terminating) {
      (out.terminateServicePorts ??= []).push({ namespace: backend.service.namespace, service: backend.service.name, port: backend.service.port });
    }
    if (weight === 0) continue;
    if (backend.hashPolicy?.type === 'SourceIP' && !resolution.invalidTLS) sourceIpHash = true;
    const plain: WeightedBackendIR = resolution.invalidTLS ? { weight, invalid: { status: 0, reason: resolution.invalidTLS } } : { weight, backend: backend.name };
    backends.push(plain);
    if (!terminating) continue;
    // An invalid policy refuses the connections rather than sending them in cleartext, as HTTP answers 500.
    const twin = reencryptingBackend(ctx, backend);
    if (twin.kind !== 'none') reencrypts = true;
    terminateBackends.push(
      twin.kind === 'valid' ? { weight, backend: twin.backend.name } : twin.kind === 'invalid' ? { weight, invalid: { status: 0, reason: twin.message } } : plain,
    );
  }
  const name = `${route.kind.toLowerCase()}/${namespace}/${route.metadata.name}`;
  const source = { kind: route.kind, namespace, name: route.metadata.name };
  const hash = sourceIpHash ? { hashPolicy: { type: 'SourceIP' as const } } : {};
  out.l4 = { name, source, destination: { backends, ...hash } };
  if (reencrypts) out.l4Terminate = { name, source, destination: { backends: terminateBackends, ...hash } };
  return out;
}
