/**
 * ReferenceGrant link (GEP-709): every reference from one namespace into another that Portico follows —
 * route backendRefs and RequestMirror backends, listener certificateRefs (from the Gateway or the
 * ListenerSet), the Gateway's frontend CA and backend client certificate refs — must be allowed by a
 * ReferenceGrant in the target's namespace. A reference without one is a FAIL whose fix is the exact
 * ReferenceGrant to apply (the narrowest: this source kind and namespace, this one target). A route→
 * Gateway parentRef is not such a reference (the listener's allowedRoutes decides it).
 */
import { GATEWAY_GROUP, type BackendObjectReference, type Gateway, type KubeObject, type ListenerSet, type Route, type SecretObjectReference } from '@portico/resources';
import { isReferenceAllowed } from '@portico/translator';
import type { Check, DiagnoseInput, Finding } from '../../findings.js';
import { allRoutes, keyOf, namespaceOf, ourGateways, refOf, routeGateways, statusOf } from '../chain-objects.js';

export interface Reference {
  field: string;
  to: { group: string; kind: string; namespace: string; name: string };
}

interface Referrer {
  object: KubeObject;
  kind: string;
  gateways: string[];
  references: Reference[];
}

export const referenceGrantCheck: Check = (input) => referrers(input).flatMap((r) => referrerFindings(input, r));

function referrers(input: DiagnoseInput): Referrer[] {
  const out: Referrer[] = [];
  for (const route of allRoutes(input)) {
    const gateways = routeGateways(input, route);
    if (gateways.length > 0) out.push({ object: route, kind: route.kind, gateways, references: routeReferences(route) });
  }
  for (const gateway of ourGateways(input)) out.push({ object: gateway, kind: 'Gateway', gateways: [keyOf(gateway)], references: gatewayReferences(gateway) });
  for (const ls of input.resources.list('ListenerSet')) {
    if (!statusOf(input, 'ListenerSet', namespaceOf(ls), ls.metadata.name)) continue;
    const gateway = `${ls.spec.parentRef.namespace ?? namespaceOf(ls)}/${ls.spec.parentRef.name}`;
    out.push({ object: ls, kind: 'ListenerSet', gateways: [gateway], references: listenerSetReferences(ls) });
  }
  return out;
}

export function routeReferences(route: Route): Reference[] {
  const namespace = namespaceOf(route);
  const refs: Reference[] = [];
  const backend = (ref: BackendObjectReference | undefined, field: string) => {
    if (ref) refs.push({ field, to: { group: ref.group ?? '', kind: ref.kind ?? 'Service', namespace: ref.namespace ?? namespace, name: ref.name } });
  };
  const mirrors = (filters: readonly { type: string; requestMirror?: { backendRef: BackendObjectReference } }[] | undefined, field: string) =>
    (filters ?? []).forEach((f, k) => backend(f.requestMirror?.backendRef, `${field}.filters[${k}].requestMirror.backendRef`));
  const rules = (route.spec.rules ?? []) as { filters?: { type: string; requestMirror?: { backendRef: BackendObjectReference } }[]; backendRefs?: (BackendObjectReference & { filters?: { type: string; requestMirror?: { backendRef: BackendObjectReference } }[] })[] }[];
  rules.forEach((rule, i) => {
    mirrors(rule.filters, `spec.rules[${i}]`);
    (rule.backendRefs ?? []).forEach((b, j) => {
      backend(b, `spec.rules[${i}].backendRefs[${j}]`);
      mirrors(b.filters, `spec.rules[${i}].backendRefs[${j}]`);
    });
  });
  return refs;
}

export function gatewayReferences(gateway: Gateway): Reference[] {
  const namespace = namespaceOf(gateway);
  const refs = (gateway.spec.listeners ?? []).flatMap((l, i) => secretRefs(l.tls?.certificateRefs, `spec.listeners[${i}].tls.certificateRefs`, namespace));
  const frontend = gateway.spec.tls?.frontend;
  refs.push(...caRefs(frontend?.default?.validation?.caCertificateRefs, 'spec.tls.frontend.default.validation.caCertificateRefs', namespace));
  (frontend?.perPort ?? []).forEach((p, i) => refs.push(...caRefs(p.tls?.validation?.caCertificateRefs, `spec.tls.frontend.perPort[${i}].tls.validation.caCertificateRefs`, namespace)));
  const client = gateway.spec.tls?.backend?.clientCertificateRef;
  if (client) refs.push({ field: 'spec.tls.backend.clientCertificateRef', to: { group: client.group ?? '', kind: client.kind ?? 'Secret', namespace: client.namespace ?? namespace, name: client.name } });
  return refs;
}

export function listenerSetReferences(ls: ListenerSet): Reference[] {
  return (ls.spec.listeners ?? []).flatMap((l, i) => secretRefs(l.tls?.certificateRefs, `spec.listeners[${i}].tls.certificateRefs`, namespaceOf(ls)));
}

function secretRefs(refs: readonly SecretObjectReference[] | undefined, field: string, namespace: string): Reference[] {
  return (refs ?? []).map((r, i) => ({ field: `${field}[${i}]`, to: { group: r.group ?? '', kind: r.kind ?? 'Secret', namespace: r.namespace ?? namespace, name: r.name } }));
}

/** caCertificateRefs have no default kind; ConfigMap is the usual one. */
function caRefs(refs: readonly SecretObjectReference[] | undefined, field: string, namespace: string): Reference[] {
  return (refs ?? []).map((r, i) => ({ field: `${field}[${i}]`, to: { group: r.group ?? '', kind: r.kind ?? 'ConfigMap', namespace: r.namespace ?? namespace, name: r.name } }));
}

function referrerFindings(input: DiagnoseInput, referrer: Referrer): Finding[] {
  const namespace = namespaceOf(referrer.object);
  const from = { group: GATEWAY_GROUP, kind: referrer.kind, namespace };
  const cross = referrer.references.filter((r) => r.to.namespace !== namespace);
  if (cross.length === 0) return [];
  const findings: Omit<Finding, 'gateway'>[] = [];
  const granted: string[] = [];
  for (const ref of cross) {
    if (isReferenceAllowed(input.resources, from, ref.to)) {
      granted.push(`${ref.to.kind} ${ref.to.namespace}/${ref.to.name}`);
      continue;
    }
    findings.push({
      level: 'FAIL',
      link: 'ReferenceGrant',
      object: refOf(referrer.object),
      field: ref.field,
      code: 'RefNotPermitted',
      message: `${referrer.kind} ${namespace}/${referrer.object.metadata.name} refers to ${ref.to.kind} ${ref.to.namespace}/${ref.to.name} in another namespace, and no ReferenceGrant in ${ref.to.namespace} allows it: the reference is refused`,
      fix: `apply this ReferenceGrant (or move the ${ref.to.kind} into ${namespace}):\n${grantYaml(from, ref.to)}`,
    });
  }
  if (granted.length > 0) {
    const unique = [...new Set(granted)];
    findings.push({
      level: 'OK',
      link: 'ReferenceGrant',
      object: refOf(referrer.object),
      code: 'RefPermitted',
      message: `cross-namespace ${unique.length === 1 ? 'reference' : 'references'} to ${unique.join(', ')} allowed by ReferenceGrant`,
    });
  }
  return referrer.gateways.flatMap((gateway) => findings.map((f) => ({ ...f, gateway })));
}

/** The narrowest grant: one source kind and namespace, one named target. */
export function grantYaml(from: { group: string; kind: string; namespace: string }, to: { group: string; kind: string; namespace: string; name: string }): string {
  const name = `${from.namespace}-${from.kind}-to-${to.kind}-${to.name}`.toLowerCase().replace(/[^a-z0-9.-]/g, '-').slice(0, 253);
  return [
    'apiVersion: gateway.networking.k8s.io/v1beta1',
    'kind: ReferenceGrant',
    'metadata:',
    `  name: ${name}`,
    `  namespace: ${to.namespace}`,
    'spec:',
    '  from:',
    `  - group: ${from.group}`,
    `    kind: ${from.kind}`,
    `    namespace: ${from.namespace}`,
    '  to:',
    `  - group: ${to.group === '' ? '""' : to.group}`,
    `    kind: ${to.kind}`,
    `    name: ${to.name}`,
  ].join('\n');
}
