/**
 * An exception while translating one object costs that object only (containment.ts): it is left out,
 * its status says TranslationError where it has a status, `result.failures` names it, and every other
 * object translates as if it were not there.
 */
import { parseResources, ResourceSet, type Condition, type KubeObject } from '@portico/resources';
import type { ObjectStatus, TranslationResult } from './result.js';
import { translate } from './translate.js';
import { createTranslationCache } from './translation-cache.js';

const BASE = `
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: portico}
spec: {controllerName: portico.dev/gateway-controller}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: eg, namespace: default}
spec:
  gatewayClassName: portico
  listeners: [{name: http, protocol: HTTP, port: 80}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: team-a, namespace: default}
spec:
  parentRefs: [{name: eg}]
  rules: [{matches: [{path: {type: PathPrefix, value: /a}}], backendRefs: [{name: web, port: 80}]}]
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: default}
spec: {ports: [{port: 80}]}
---
apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata: {name: portico}
spec: {controller: portico.dev/ingress-controller}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: blog, namespace: default}
spec:
  ingressClassName: portico
  rules: [{host: blog.example.com, http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}]}}]
`;

const NOW = new Date('2026-01-01T00:00:00Z');

/** A second Ingress of the class, shop.example.com → web: the object the Ingress cases make throw. */
const shopIngress = () =>
  parseResources(
    `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: shop, namespace: default}
spec:
  ingressClassName: portico
  rules: [{host: shop.example.com, http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}]}}]
`,
    'ing.yaml',
  ).objects[0] as KubeObject;

function base(): KubeObject[] {
  return parseResources(BASE, 'base.yaml').objects as KubeObject[];
}

/** An object that throws as soon as the translator reads `field` of it (a stand-in for any bug). */
function throwingOn<T extends object>(object: T, field: string): T {
  const spec = (object as { spec: Record<string, unknown> }).spec;
  Object.defineProperty(spec, field, {
    get() {
      throw new Error(`boom reading ${field}`);
    },
  });
  return object;
}

function run(objects: KubeObject[], cache?: ReturnType<typeof createTranslationCache>): TranslationResult {
  return translate(ResourceSet.from(objects as never), { now: NOW, ...(cache ? { cache } : {}) });
}

function routeNames(result: TranslationResult, gateway: string): string[] {
  const ir = result.gateways.get(gateway);
  return (ir?.listeners ?? []).flatMap((l) => ('virtualHosts' in l ? (l.virtualHosts ?? []).flatMap((v) => v.routes.map((r) => r.name)) : []));
}

function accepted(status: ObjectStatus | undefined): Condition | undefined {
  if (!status) return undefined;
  if ('parents' in status.status) return status.status.parents[0]?.conditions.find((c) => c.type === 'Accepted');
  if ('conditions' in status.status) return status.status.conditions?.find((c) => c.type === 'Accepted');
  if ('ancestors' in status.status) return status.status.ancestors[0]?.conditions.find((c) => c.type === 'Accepted');
  return undefined;
}

function route(name: string, path: string): KubeObject {
  return parseResources(
    `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: ${name}, namespace: default}
spec:
  parentRefs: [{name: eg}]
  rules: [{matches: [{path: {type: PathPrefix, value: ${path}}}], backendRefs: [{name: web, port: 80}]}]
`,
    'route.yaml',
  ).objects[0] as KubeObject;
}

describe('translate: one object that throws costs that object only', () => {
  it('a route whose rules throw is left out, with Accepted=False TranslationError; the other route is served', () => {
    const broken = throwingOn(route('team-b', '/b'), 'rules');
    const result = run([...base(), broken]);
    expect(routeNames(result, 'default/eg')).toEqual(['httproute/default/team-a/rule/0/match/0']);
    const condition = accepted(result.statuses.get('HTTPRoute/default/team-b'));
    expect(condition).toMatchObject({ status: 'False', reason: 'TranslationError' });
    expect(condition?.message).toContain('boom reading rules');
    expect(accepted(result.statuses.get('HTTPRoute/default/team-a'))).toMatchObject({ status: 'True' });
    expect(result.failures).toEqual([expect.objectContaining({ kind: 'HTTPRoute', namespace: 'default', name: 'team-b', message: 'boom reading rules', stack: expect.stringContaining('Error: boom') })]);
    // The status never carries the stack.
    expect(JSON.stringify(result.statuses.get('HTTPRoute/default/team-b'))).not.toContain('at ');
  });

  it('a route without spec is left out without a status (no parent to write it for)', () => {
    const broken = { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: 'nospec', namespace: 'default' } } as unknown as KubeObject;
    const result = run([...base(), broken]);
    expect(routeNames(result, 'default/eg')).toEqual(['httproute/default/team-a/rule/0/match/0']);
    expect(result.statuses.has('HTTPRoute/default/nospec')).toBe(false);
    expect(result.failures.map((f) => `${f.kind}/${f.name}`)).toEqual(['HTTPRoute/nospec']);
  });

  it('a Gateway whose listeners throw is not Accepted (TranslationError) and has no IR; the other Gateway and its routes are served', () => {
    const other = parseResources(
      `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: other, namespace: default}
spec: {gatewayClassName: portico, listeners: [{name: http, protocol: HTTP, port: 8080}]}
`,
      'gw.yaml',
    ).objects[0] as KubeObject;
    const objects = base().map((o) => (o.kind === 'Gateway' ? throwingOn(o, 'listeners') : o));
    const result = run([...objects, other]);
    expect([...result.gateways.keys()]).toEqual(['default/other', 'ingressclass/portico']);
    expect(accepted(result.statuses.get('Gateway/default/eg'))).toMatchObject({ status: 'False', reason: 'TranslationError' });
    expect(accepted(result.statuses.get('Gateway/default/other'))).toMatchObject({ status: 'True' });
    expect(result.failures).toEqual([expect.objectContaining({ kind: 'Gateway', name: 'eg', gateway: 'default/eg' })]);
  });

  it('an Ingress and a Service without spec (not through the loader) do not stop the other objects', () => {
    const objects: KubeObject[] = [
      ...base(),
      { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'empty', namespace: 'default' } } as unknown as KubeObject,
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'bare', namespace: 'default' } } as unknown as KubeObject,
      route('uses-bare', '/bare'),
    ];
    (objects[objects.length - 1]!.spec as { rules: { backendRefs: { name: string }[] }[] }).rules[0]!.backendRefs[0]!.name = 'bare';
    const result = run(objects);
    expect(routeNames(result, 'default/eg')).toEqual(['httproute/default/uses-bare/rule/0/match/0', 'httproute/default/team-a/rule/0/match/0']);
    expect(routeNames(result, 'ingressclass/portico')).toEqual(['ingress/default/blog/rule/0/path/0']);
    // The Service without spec has no ports: the route using it says so, like any missing port.
    const resolved = (result.statuses.get('HTTPRoute/default/uses-bare')!.status as { parents: { conditions: Condition[] }[] }).parents[0]!.conditions[1];
    expect(resolved).toMatchObject({ type: 'ResolvedRefs', status: 'False', reason: 'BackendNotFound' });
    // An Ingress without spec names no class: with no default class it is simply not ours.
    expect(result.failures).toEqual([]);
  });

  it('an Ingress whose rules throw is left out of its class gateway; the other Ingress of the class is served', () => {
    const broken = throwingOn(shopIngress(), 'rules');
    const result = run([...base(), broken]);
    expect(routeNames(result, 'ingressclass/portico')).toEqual(['ingress/default/blog/rule/0/path/0']);
    expect(result.statuses.has('Ingress/default/shop')).toBe(false);
    expect(result.statuses.has('Ingress/default/blog')).toBe(true);
    expect(result.failures.map((f) => `${f.kind}/${f.name}`)).toEqual(['Ingress/shop']);
  });

  it('an Ingress whose TLS entries throw is left out entirely, its routes too', () => {
    const broken = throwingOn(shopIngress(), 'tls');
    const result = run([...base(), broken]);
    expect(routeNames(result, 'ingressclass/portico')).toEqual(['ingress/default/blog/rule/0/path/0']);
    expect(result.statuses.has('Ingress/default/shop')).toBe(false);
    expect(result.failures.map((f) => `${f.kind}/${f.name}: ${f.message}`)).toEqual(['Ingress/shop: boom reading tls']);
  });

  it('a BackendTLSPolicy whose evaluation throws is not Accepted, and its Service answers 500 rather than cleartext', () => {
    const policy = throwingOn(
      parseResources(
        `apiVersion: gateway.networking.k8s.io/v1
kind: BackendTLSPolicy
metadata: {name: web-tls, namespace: default}
spec:
  targetRefs: [{group: "", kind: Service, name: web}]
  validation: {hostname: web.example.com, wellKnownCACertificates: System}
`,
        'policy.yaml',
      ).objects[0] as KubeObject,
      'validation',
    );
    const result = run([...base(), policy]);
    expect(accepted(result.statuses.get('BackendTLSPolicy/default/web-tls'))).toMatchObject({ status: 'False', reason: 'TranslationError' });
    const listener = result.gateways.get('default/eg')!.listeners[0]!;
    const routes = 'virtualHosts' in listener ? (listener.virtualHosts ?? []).flatMap((v) => v.routes) : [];
    expect(routes[0]).toMatchObject({ directResponse: { status: 500 } });
    expect(result.failures.map((f) => `${f.kind}/${f.name}`)).toEqual(['BackendTLSPolicy/web-tls']);
  });

  it('with the translation cache, a failing route is retried on the next translation and nothing stale is kept', () => {
    const cache = createTranslationCache();
    const broken = throwingOn(route('team-b', '/b'), 'rules');
    const first = run([...base(), broken], cache);
    expect(first.failures).toHaveLength(1);
    const second = run([...base(), broken], cache);
    expect(second.failures).toHaveLength(1);
    const fixed = run([...base(), route('team-b', '/b')], cache);
    expect(fixed.failures).toEqual([]);
    expect(routeNames(fixed, 'default/eg')).toEqual(['httproute/default/team-a/rule/0/match/0', 'httproute/default/team-b/rule/0/match/0']);
    expect(accepted(fixed.statuses.get('HTTPRoute/default/team-b'))).toMatchObject({ status: 'True' });
  });
});
