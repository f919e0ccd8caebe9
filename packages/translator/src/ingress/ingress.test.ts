/**
 * What golden files cannot show: managed addresses in status.loadBalancer (golden runs are offline),
 * the problems Ingress has no condition for, the wildcard guards checked against real hosts, and that
 * any mix of Ingresses yields a valid IR (unique SNI names and domains, known backends).
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { parse } from 'yaml';
import { validateGatewayIR } from '@portico/ir';
import type { GatewayStatusAddress, KubeObject } from '@portico/resources';
import { ResourceSet } from '@portico/resources';
import { createContext } from '../context.js';
import { resolveOptions, type TranslateOptions } from '../options.js';
import { translate } from '../translate.js';
import { collectIngressClasses } from './ingress-classes.js';
import { buildIngressGateway } from './ingress-gateway.js';
import { wildcardAuthority } from './ingress-routes.js';
import { ingressStatus } from './ingress-status.js';

const NET = 'networking.k8s.io/v1';

function ingressClass(name: string, controller = 'portico.dev/ingress-controller'): KubeObject {
  return { apiVersion: NET, kind: 'IngressClass', metadata: { name }, spec: { controller } } as KubeObject;
}

function ingress(name: string, spec: Record<string, unknown>, namespace = 'default'): KubeObject {
  return { apiVersion: NET, kind: 'Ingress', metadata: { name, namespace, generation: 1 }, spec } as KubeObject;
}

const service = (name: string, port = 80): KubeObject =>
  ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default' }, spec: { ports: [{ name: 'http', port, targetPort: port, protocol: 'TCP' }] } }) as KubeObject;

const webIngress = ingress('web', {
  ingressClassName: 'portico',
  rules: [{ host: 'www.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } }] } }],
});

function run(objects: KubeObject[], options: TranslateOptions = {}) {
  return translate(ResourceSet.from(objects as never), { now: new Date(0), ...options });
}

describe('Ingress status.loadBalancer', () => {
  test('an IP address becomes `ip`, a DNS name `hostname`, in the order given, without duplicates', () => {
    const asked: string[] = [];
    const addresses: GatewayStatusAddress[] = [
      { type: 'IPAddress', value: '203.0.113.7' },
      { type: 'Hostname', value: 'lb.example.net' },
      { value: '2001:db8::1' },
      { type: 'IPAddress', value: '203.0.113.7' },
    ];
    const result = run([ingressClass('portico'), webIngress, service('web')], {
      gatewayAddresses: (gateway) => {
        asked.push(gateway);
        return gateway === 'ingressclass/portico' ? addresses : undefined;
      },
    });
    expect(asked).toContain('ingressclass/portico');
    expect(result.statuses.get('Ingress/default/web')?.status).toEqual({
      loadBalancer: { ingress: [{ ip: '203.0.113.7' }, { hostname: 'lb.example.net' }, { ip: '2001:db8::1' }] },
    });
  });

  test('offline (undefined) and not assigned yet ([]) both leave the ingress list out', () => {
    expect(ingressStatus(undefined)).toEqual({ loadBalancer: {} });
    expect(ingressStatus([])).toEqual({ loadBalancer: {} });
    const result = run([ingressClass('portico'), webIngress, service('web')], { gatewayAddresses: () => [] });
    expect(result.statuses.get('Ingress/default/web')?.status).toEqual({ loadBalancer: {} });
  });

  test('every Ingress of a class gets its own copy of the same status; other classes get none', () => {
    const other = ingress('other', { ingressClassName: 'nginx', defaultBackend: { service: { name: 'web', port: { number: 80 } } } });
    const second = ingress('second', { ingressClassName: 'portico', defaultBackend: { service: { name: 'web', port: { number: 80 } } } }, 'team');
    const result = run([ingressClass('portico'), ingressClass('nginx', 'k8s.io/ingress-nginx'), webIngress, second, other, service('web')], {
      gatewayAddresses: () => [{ value: '198.51.100.1' }],
    });
    const a = result.statuses.get('Ingress/default/web')?.status;
    const b = result.statuses.get('Ingress/team/second')?.status;
    expect(a).toEqual({ loadBalancer: { ingress: [{ ip: '198.51.100.1' }] } });
    expect(b).toEqual(a);
    expect(b).not.toBe(a);
    expect(result.statuses.has('Ingress/default/other')).toBe(false);
    expect([...result.gateways.keys()]).toEqual(['ingressclass/portico']);
  });

  test('an Ingress the API server would refuse is served nowhere: no address, a diagnostic', () => {
    const upper = ingress('upper', { ingressClassName: 'portico', rules: [{ host: 'WWW.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } }] } }] }, 'team');
    const result = run([ingressClass('portico'), webIngress, upper, service('web')], { gatewayAddresses: () => [{ value: '198.51.100.1' }] });
    expect(result.statuses.get('Ingress/team/upper')?.status).toEqual({ loadBalancer: {} });
    expect(result.statuses.get('Ingress/default/web')?.status).toEqual({ loadBalancer: { ingress: [{ ip: '198.51.100.1' }] } });
    expect(result.diagnostics).toContainEqual({ kind: 'Ingress', namespace: 'team', name: 'upper', message: expect.stringMatching(/spec\.rules\[0\]\.host: "WWW\.example\.com" is not a valid host/) });
    expect(result.gateways.get('ingressclass/portico')?.listeners[0]).toMatchObject({ sources: ['ingress/default/web'] });
  });

  test('a custom ingressControllerName decides which classes are ours', () => {
    const result = run([ingressClass('portico'), webIngress, service('web')], { ingressControllerName: 'example.com/other' });
    expect(result.gateways.size).toBe(0);
    expect(result.statuses.size).toBe(0);
  });
});

describe('problems Ingress has no condition for', () => {
  test('broken backends and unusable TLS Secrets are listed with the Ingress and where', () => {
    const broken = ingress('broken', {
      ingressClassName: 'portico',
      tls: [{ hosts: ['www.example.com'], secretName: 'missing-tls' }, { hosts: ['x.example.com'] }],
      defaultBackend: { resource: { apiGroup: 'k8s.example.com', kind: 'StorageBucket', name: 'assets' } },
      rules: [{ host: 'www.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { name: 'admin' } } } }] } }],
    });
    const ctx = createContext(ResourceSet.from([ingressClass('portico'), broken, service('web')] as never), resolveOptions({ now: new Date(0) }));
    const [group] = collectIngressClasses(ctx);
    const { ir, problems } = buildIngressGateway(ctx, group!);
    const on = (message: string) => ({ kind: 'Ingress', namespace: 'default', name: 'broken', message });
    expect(problems).toEqual([
      on('rule 0 path 0: Service default/web has no port named admin'),
      on('defaultBackend: k8s.example.com/StorageBucket assets is not supported: only Service backends are'),
      on('tls[0]: Secret default/missing-tls does not exist'),
      on('tls[1]: no secretName, so no certificate to terminate TLS with'),
    ]);
    // The same problems reach the translation result, where the CLI and the Kubernetes provider read them.
    expect(translate(ResourceSet.from([ingressClass('portico'), broken, service('web')] as never)).diagnostics).toEqual(problems);
    expect(ir.listeners.map((l) => l.name)).toEqual(['http-80']);
  });
});

describe('wildcard host guards', () => {
  const matches = (host: string, labels: 'one' | 'several', authority: string) => new RegExp(wildcardAuthority(host, labels).value).test(authority);

  test('one label before the suffix, with or without a port, in any letter case', () => {
    for (const a of ['bar.foo.com', 'bar.foo.com:8080', 'BAR.Foo.COM']) expect(matches('*.foo.com', 'one', a)).toBe(true);
    for (const a of ['baz.bar.foo.com', 'baz.bar.foo.com:80']) expect(matches('*.foo.com', 'one', a)).toBe(false);
  });

  test('the complement takes the hosts with more labels, which the Ingress wildcard does not match', () => {
    for (const a of ['baz.bar.foo.com', 'a.b.c.foo.com:443']) expect(matches('*.foo.com', 'several', a)).toBe(true);
    for (const a of ['bar.foo.com', 'bar.foo.com:80']) expect(matches('*.foo.com', 'several', a)).toBe(false);
  });

  test('the label count follows the suffix', () => {
    expect(matches('*.com', 'one', 'foo.com')).toBe(true);
    expect(matches('*.com', 'one', 'bar.foo.com')).toBe(false);
    expect(matches('*.a.b.example.com', 'one', 'x.a.b.example.com')).toBe(true);
  });
});

describe('any set of Ingresses', () => {
  const CERTS = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../testdata/certs');
  const validSecret = parse(readFileSync(resolve(CERTS, 'secret-example.com.yaml'), 'utf8')) as KubeObject;
  const hosts = fc.constantFrom(undefined, 'example.com', 'a.example.com', '*.example.com', 'a.b.example.com', '*.b.example.com', 'other.org');
  const backend = fc.oneof(
    fc.record({ service: fc.record({ name: fc.constantFrom('web', 'ghost'), port: fc.oneof(fc.record({ number: fc.constantFrom(80, 81) }), fc.record({ name: fc.constantFrom('http', 'nope') })) }) }),
    fc.constant({ resource: { apiGroup: 'x.io', kind: 'Bucket', name: 'b' } }),
  );
  const path = fc.record({ path: fc.constantFrom('/', '/a', '/a/', '/ab', '/a/b'), pathType: fc.constantFrom('Exact', 'Prefix', 'ImplementationSpecific'), backend });
  const rule = fc.record({ host: hosts, http: fc.option(fc.record({ paths: fc.array(path, { minLength: 1, maxLength: 3 }) }), { nil: undefined }) });
  const tls = fc.record({ hosts: fc.option(fc.array(hosts.filter((h) => h !== undefined), { maxLength: 3 }), { nil: undefined }), secretName: fc.constantFrom('example.com-tls', 'missing', undefined) });
  const anIngress = fc.record({
    name: fc.constantFrom('a', 'b', 'c'),
    namespace: fc.constantFrom('default', 'team'),
    created: fc.constantFrom('2024-01-01T00:00:00Z', '2024-06-01T00:00:00Z', undefined),
    className: fc.constantFrom('portico', 'internal', 'nginx', undefined),
    rules: fc.array(rule, { maxLength: 3 }),
    tls: fc.array(tls, { maxLength: 3 }),
    defaultBackend: fc.option(backend, { nil: undefined }),
  });

  test('never throws and always yields valid IR, with a status for each Ingress of ours', () => {
    fc.assert(
      fc.property(fc.array(anIngress, { maxLength: 5 }), fc.boolean(), (ingresses, porticoIsDefault) => {
        const objects: KubeObject[] = [
          { ...ingressClass('portico'), metadata: { name: 'portico', ...(porticoIsDefault ? { annotations: { 'ingressclass.kubernetes.io/is-default-class': 'true' } } : {}) } } as KubeObject,
          ingressClass('internal'),
          ingressClass('nginx', 'k8s.io/ingress-nginx'),
          service('web'),
          validSecret,
        ];
        const seen = new Set<string>();
        for (const i of ingresses) {
          if (seen.has(`${i.namespace}/${i.name}`)) continue;
          seen.add(`${i.namespace}/${i.name}`);
          const spec = JSON.parse(JSON.stringify({ ingressClassName: i.className, rules: i.rules, tls: i.tls, defaultBackend: i.defaultBackend }));
          const object = ingress(i.name, spec, i.namespace);
          if (i.created) object.metadata.creationTimestamp = i.created;
          objects.push(object);
        }
        const result = run(objects);
        for (const ir of result.gateways.values()) expect(validateGatewayIR(ir)).toEqual([]);
        for (const key of seen) {
          const i = ingresses.find((x) => `${x.namespace}/${x.name}` === key)!;
          const ours = i.className === 'portico' || i.className === 'internal' || (i.className === undefined && porticoIsDefault);
          expect(result.statuses.has(`Ingress/${key}`)).toBe(ours);
        }
      }),
      { numRuns: Number(process.env.PROPERTY_RUNS ?? 300) },
    );
  });
});
