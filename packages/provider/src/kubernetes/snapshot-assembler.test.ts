import type { Gateway, Kind, Resource, Secret, Service } from '@portico/resources';
import { compareObjects, createSnapshotAssembler, type SnapshotAssembler } from './snapshot-assembler.js';

const service = (namespace: string, name: string, resourceVersion = '1'): Service => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace, resourceVersion },
  spec: { ports: [{ port: 80 }] },
});

const namespaceObject = (name: string): Resource => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });

const secret = (name: string, data: Record<string, string>, resourceVersion = '1'): Secret => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name, namespace: 'infra', resourceVersion },
  type: 'kubernetes.io/tls',
  data,
});

const gatewayReferencing = (...secretNames: string[]): Gateway => ({
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'Gateway',
  metadata: { name: 'gw', namespace: 'infra', resourceVersion: String(secretNames.length) },
  spec: {
    gatewayClassName: 'portico',
    listeners: [{ name: 'https', port: 443, protocol: 'HTTPS', tls: { certificateRefs: secretNames.map((name) => ({ name })) } }],
  },
});

const keysOf = (objects: Resource[]) => objects.map((o) => `${o.kind}:${o.metadata.namespace ?? ''}/${o.metadata.name}`);
const changeList = (a: SnapshotAssembler) => a.assemble()?.changes.map((c) => `${c.type} ${c.kind} ${c.namespace ?? ''}/${c.name}`);

describe('snapshot assembler', () => {
  it('does not serve a change of only the status of a kind Portico writes status to, but keeps it as the latest', () => {
    const a = createSnapshotAssembler();
    const route = (resourceVersion: string, generation: number, extra: Partial<Resource> = {}): Resource =>
      ({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: 'r', namespace: 'a', resourceVersion, generation }, spec: { rules: [] }, ...extra }) as Resource;
    const first = route('1', 1);
    a.upsert('HTTPRoute', first);
    a.assemble();
    // Our own status write comes back as a new resourceVersion with the same generation.
    const written = route('2', 1, { status: { parents: [] } } as Partial<Resource>);
    a.upsert('HTTPRoute', written);
    expect(a.assemble()).toBeUndefined();
    expect(a.latest('HTTPRoute', 'a', 'r')).toBe(written);
    // A spec change bumps the generation: served.
    a.upsert('HTTPRoute', route('3', 2));
    expect(changeList(a)).toEqual(['upsert HTTPRoute a/r']);
    // A label change is served too (generation unchanged), and Services are served on any change.
    a.upsert('HTTPRoute', { ...route('4', 2), metadata: { ...route('4', 2).metadata, labels: { team: 'x' } } });
    expect(changeList(a)).toEqual(['upsert HTTPRoute a/r']);
    a.upsert('Service', service('a', 's', '1'));
    a.assemble();
    a.upsert('Service', { ...service('a', 's', '2'), status: { loadBalancer: { ingress: [{ ip: '1.2.3.4' }] } } } as Service);
    expect(changeList(a)).toEqual(['upsert Service a/s']);
  });

  it('serves an object deleted and created again under its name, though its generation starts at 1 again', () => {
    // The conformance suite deletes a test's HTTPRoute and creates the next test's, same name, 13 ms
    // later: both events land in one batch, and the new route (generation 1, like the old) must be served.
    const a = createSnapshotAssembler();
    const route = (uid: string, resourceVersion: string, path: string): Resource =>
      ({
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'HTTPRoute',
        metadata: { name: 'r', namespace: 'a', uid, resourceVersion, generation: 1 },
        spec: { rules: [{ matches: [{ path: { type: 'PathPrefix', value: path } }] }] },
      }) as Resource;
    a.upsert('HTTPRoute', route('uid-1', '1', '/old'));
    a.assemble();
    a.delete('HTTPRoute', 'a', 'r');
    const recreated = route('uid-2', '3', '/new');
    a.upsert('HTTPRoute', recreated);
    const assembled = a.assemble();
    expect(assembled?.changes.map((c) => `${c.type} ${c.kind} ${c.namespace ?? ''}/${c.name}`)).toEqual(['upsert HTTPRoute a/r']);
    expect(assembled?.resources.get('HTTPRoute', 'a', 'r')).toMatchObject({ spec: { rules: [{ matches: [{ path: { value: '/new' } }] }] } });
  });

  it('serves kinds in ALL_KINDS order, each by namespace then name, and reports each object once', () => {
    const a = createSnapshotAssembler();
    a.upsert('Service', service('b', 'x'));
    a.upsert('Service', service('a', 'z'));
    a.upsert('Namespace', namespaceObject('b'));
    a.upsert('Service', service('a', 'y'));
    a.upsert('Namespace', namespaceObject('a'));
    a.upsert('Gateway', { ...gatewayReferencing(), metadata: { name: 'gw', namespace: 'a' } });
    const first = a.assemble();
    expect(keysOf(first?.objects ?? [])).toEqual(['Gateway:a/gw', 'Service:a/y', 'Service:a/z', 'Service:b/x', 'Namespace:/a', 'Namespace:/b']);
    expect(first?.changes).toHaveLength(6);
    expect(first?.changes).toContainEqual({ kind: 'Namespace', name: 'a', type: 'upsert' });
    expect(first?.changes).toContainEqual({ kind: 'Service', namespace: 'a', name: 'y', type: 'upsert' });
    expect(first?.resources.get('Service', 'b', 'x')?.metadata.name).toBe('x');
    expect(a.dirty()).toBe(false);
    expect(a.assemble()).toBeUndefined();
  });

  it('keeps unchanged objects (and the previous ResourceSet) as they were; reports upserts and deletes', () => {
    const a = createSnapshotAssembler();
    const kept = service('a', 'kept');
    a.upsert('Service', kept);
    a.upsert('Service', service('a', 'changed'));
    a.upsert('Service', service('a', 'gone'));
    const first = a.assemble();
    if (!first) throw new Error('no snapshot');
    const updated = service('a', 'changed', '2');
    a.upsert('Service', updated);
    a.delete('Service', 'a', 'gone');
    a.upsert('Service', service('a', 'added'));
    a.upsert('Service', kept); // an informer re-delivering the same object changes nothing
    const second = a.assemble();
    expect(second?.changes).toEqual([
      { kind: 'Service', namespace: 'a', name: 'changed', type: 'upsert' },
      { kind: 'Service', namespace: 'a', name: 'gone', type: 'delete' },
      { kind: 'Service', namespace: 'a', name: 'added', type: 'upsert' },
    ]);
    expect(second?.resources.get('Service', 'a', 'kept')).toBe(kept);
    expect(second?.resources.get('Service', 'a', 'changed')).toBe(updated);
    expect(keysOf(second?.objects ?? [])).toEqual(['Service:a/added', 'Service:a/changed', 'Service:a/kept']);
    // The first snapshot is untouched.
    expect(keysOf(first.objects)).toEqual(['Service:a/changed', 'Service:a/gone', 'Service:a/kept']);
    expect(first.resources.get('Service', 'a', 'gone')).toBeDefined();
    expect(first.resources.get('Service', 'a', 'changed')?.metadata.resourceVersion).toBe('1');
  });

  it('reports nothing for an object added and deleted between two snapshots', () => {
    const a = createSnapshotAssembler();
    a.upsert('Namespace', namespaceObject('stays'));
    a.assemble();
    a.upsert('Namespace', namespaceObject('blink'));
    a.delete('Namespace', undefined, 'blink');
    expect(a.dirty()).toBe(true);
    expect(a.assemble()).toBeUndefined();
  });

  it('serves only referenced Secrets, with only the referenced keys, and lets a Secret in when a reference appears', () => {
    const a = createSnapshotAssembler();
    a.upsert('Secret', secret('site', { 'tls.crt': 'Yw==', 'tls.key': 'aw==', 'ca.crt': 'YQ==' }));
    a.upsert('Secret', secret('unrelated', { 'tls.crt': 'Yw==', 'tls.key': 'aw==' }));
    a.upsert('Namespace', namespaceObject('infra'));
    expect(a.assemble()?.resources.list('Secret')).toEqual([]);
    expect(a.servedCount('Secret')).toBe(0);
    expect(a.stored('Secret')).toHaveLength(2);

    a.upsert('Gateway', gatewayReferencing('site'));
    const referenced = a.assemble();
    expect(referenced?.changes).toContainEqual({ kind: 'Secret', namespace: 'infra', name: 'site', type: 'upsert' });
    const served = referenced?.resources.get('Secret', 'infra', 'site');
    expect(served?.data).toEqual({ 'tls.crt': 'Yw==', 'tls.key': 'aw==' });
    expect(referenced?.resources.get('Secret', 'infra', 'unrelated')).toBeUndefined();

    // An unrelated change keeps the filtered copy's identity.
    a.upsert('Namespace', namespaceObject('other'));
    expect(a.assemble()?.resources.get('Secret', 'infra', 'site')).toBe(served);

    // The Secret changes: a new copy. The reference goes: the Secret leaves.
    a.upsert('Secret', secret('site', { 'tls.crt': 'YzI=', 'tls.key': 'azI=' }, '2'));
    expect(a.assemble()?.resources.get('Secret', 'infra', 'site')?.data).toEqual({ 'tls.crt': 'YzI=', 'tls.key': 'azI=' });
    a.upsert('Gateway', gatewayReferencing());
    expect(changeList(a)).toEqual(['upsert Gateway infra/gw', 'delete Secret infra/site']);
  });

  it('serves ConfigMaps only when a BackendTLSPolicy names them', () => {
    const a = createSnapshotAssembler();
    a.upsert('ConfigMap', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'ca', namespace: 'apps' }, data: { 'ca.crt': 'PEM' } });
    expect(a.assemble()?.resources.list('ConfigMap') ?? []).toEqual([]);
    a.upsert('BackendTLSPolicy', {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'BackendTLSPolicy',
      metadata: { name: 'p', namespace: 'apps' },
      spec: { targetRefs: [{ group: '', kind: 'Service', name: 's' }], validation: { hostname: 's', caCertificateRefs: [{ group: '', kind: 'ConfigMap', name: 'ca' }] } },
    });
    expect(changeList(a)).toEqual(['upsert BackendTLSPolicy apps/p', 'upsert ConfigMap apps/ca']);
  });

  it('keeps large kinds sorted through many small and one big batch of changes', () => {
    const a = createSnapshotAssembler();
    const names = Array.from({ length: 300 }, (_, i) => `svc-${(i * 7919) % 1000}`);
    for (const name of names) a.upsert('Service', service(name.endsWith('1') ? 'b' : 'a', name));
    a.assemble();
    for (let round = 0; round < 20; round++) {
      const name = names[(round * 13) % names.length] as string;
      const namespace = name.endsWith('1') ? 'b' : 'a';
      if (round % 3 === 0) a.delete('Service', namespace, name);
      else if (round % 3 === 1) a.upsert('Service', service('c', `new-${round}`));
      else a.upsert('Service', service(namespace, name, String(round)));
      const snapshot = a.assemble();
      const objects = snapshot?.objects ?? [];
      expect([...objects].sort(compareObjects)).toEqual(objects);
      // The ResourceSet lists the kind in the same order, whatever the history of events.
      expect(snapshot?.resources.list('Service')).toEqual(objects);
    }
    for (let i = 0; i < 100; i++) a.upsert('Service', service('d', `bulk-${i}`));
    a.upsert('Service', service('0', 'first'));
    const bulk = a.assemble();
    const objects = bulk?.objects ?? [];
    expect([...objects].sort(compareObjects)).toEqual(objects);
    expect(bulk?.resources.list('Service')).toEqual(objects);
  });

  it('treats cluster-scoped kinds by name alone', () => {
    const a = createSnapshotAssembler();
    const kinds: Kind[] = ['GatewayClass', 'IngressClass', 'Namespace'];
    for (const kind of kinds) a.upsert(kind, { apiVersion: 'x', kind, metadata: { name: 'one' } } as Resource);
    expect(a.assemble()?.changes).toEqual(kinds.map((kind) => ({ kind, name: 'one', type: 'upsert' })));
    a.delete('GatewayClass', undefined, 'one');
    expect(changeList(a)).toEqual(['delete GatewayClass /one']);
  });
});
