/**
 * Test inputs of NACK containment: one shared Gateway (`default/shared`, HTTP on 8080, routes from
 * every namespace) and HTTPRoutes of several teams, described briefly and translated for real.
 */
import type { GatewayIR } from '@portico/ir';
import { parseResources, ResourceSet, type Resource } from '@portico/resources';
import { translate, type TranslationResult } from '@portico/translator';
import type { QuarantineEntry } from './quarantine.js';

export const SHARED = 'default/shared';

export interface RouteSpec {
  namespace: string;
  name: string;
  /** One rule per entry: its path prefix, and a header it must carry. */
  rules: { path: string; header?: string }[];
  hostname?: string;
}

export function sharedGatewayYaml(routes: readonly RouteSpec[]): string {
  const head = `apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: { name: portico }
spec: { controllerName: portico.dev/gateway-controller }
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: { name: shared, namespace: default }
spec:
  gatewayClassName: portico
  listeners:
  - { name: http, protocol: HTTP, port: 8080, allowedRoutes: { namespaces: { from: All } } }
`;
  const route = (r: RouteSpec) => `---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: ${r.name}, namespace: ${r.namespace} }
spec:
  parentRefs: [{ name: shared, namespace: default }]
${r.hostname ? `  hostnames: [${r.hostname}]\n` : ''}  rules:
${r.rules
  .map(
    (rule) =>
      `  - matches: [{ path: { type: PathPrefix, value: ${rule.path} }${rule.header ? `, headers: [{ name: x-team, value: "${rule.header}" }]` : ''} }]\n    backendRefs: [{ name: echo, port: 80 }]\n`,
  )
  .join('')}`;
  const services = [...new Set(routes.map((r) => r.namespace))]
    .map((ns) => `---\napiVersion: v1\nkind: Service\nmetadata: { name: echo, namespace: ${ns} }\nspec: { ports: [{ name: http, port: 80 }] }\n`)
    .join('');
  return head + routes.map(route).join('') + services;
}

export function sharedGatewayObjects(routes: readonly RouteSpec[]): Resource[] {
  return parseResources(sharedGatewayYaml(routes), 'shared.yaml').objects;
}

export function translateShared(routes: readonly RouteSpec[]): TranslationResult {
  return translate(ResourceSet.from(sharedGatewayObjects(routes)));
}

export function sharedIR(routes: readonly RouteSpec[]): GatewayIR {
  return translateShared(routes).gateways.get(SHARED)!;
}

/** `count` teams, each with one HTTPRoute `r<i>` of one rule on `/r<i>`, in namespace `team-<i>`. */
export function manyTeams(count: number): RouteSpec[] {
  return Array.from({ length: count }, (_, i) => ({ namespace: `team-${i}`, name: `r${i}`, rules: [{ path: `/r${i}` }] }));
}

/**
 * A quarantine entry for `unit` of team A's route `a` on the shared Gateway, refused by `envoy-1` with
 * RE2's complaint about `a{1001}`; `fields` replace any of these.
 */
export function quarantineEntry(unit: string, fields: Partial<QuarantineEntry> = {}): QuarantineEntry {
  return {
    gateway: SHARED,
    unit,
    kind: 'HTTPRoute',
    namespace: 'team-a',
    name: 'a',
    fingerprint: '',
    typeUrl: 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration',
    version: 'boot-2',
    refusedBy: 'envoy-1',
    error: 'invalid repetition size: {1001}',
    probes: 1,
    since: '2026-01-01T00:00:00.000Z',
    ...fields,
  };
}
