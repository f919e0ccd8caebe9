/**
 * The kubernetes provider against a real kube-apiserver + etcd (support/kube/kube-apiserver.ts): it lists
 * and watches every kind, serves objects shaped like the YAML loader's, follows creates, updates and
 * deletes with exact `changes`, serves only referenced Secrets (only their certificate keys), survives
 * an API server restart without losing or repeating anything, works on when a CRD is missing, and
 * reads a kind at an older version only while the preferred one is not served.
 * With `secretNamespaces` it syncs on credentials that may read Secrets only in those namespaces.
 * The last test creates 1,000 HTTPRoutes + 1,000 Services + 1,000 EndpointSlices and prints the time
 * to first sync, event → snapshot latency and memory.
 */
import { jest } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { KubeConfig } from '@kubernetes/client-node';
import {
  WATCH_TARGETS,
  type KubernetesLogger,
  type KubernetesProvider,
  type KubernetesProviderSettings,
  type ObjectChange,
  type ProviderSnapshot,
} from '@portico/provider';
import { createKubernetesProvider } from '@portico/provider/kubernetes';
import { parseResources } from '@portico/resources';
import { translate } from '@portico/translator';
import { kubeRequest } from '../support/kube/kube-apply.js';
import { describeWithKube, startKubeApiServer, type KubeApiServer } from '../support/kube/kube-apiserver.js';
import { installGatewayApiCrds, loadGatewayApiInstall, loadPorticoCrds } from '../support/kube/kube-crds.js';
import { waitUntil } from '../support/wait.js';

jest.setTimeout(120_000);

const GW = 'gateway.networking.k8s.io/v1';

const gatewayClass = { apiVersion: GW, kind: 'GatewayClass', metadata: { name: 'portico' }, spec: { controllerName: 'portico.dev/gateway-controller' } };

function gateway(namespace: string, certificateRefs?: object[]) {
  const https = certificateRefs ? [{ name: 'https', protocol: 'HTTPS', port: 443, hostname: 'a.example', tls: { mode: 'Terminate', certificateRefs } }] : [];
  return { apiVersion: GW, kind: 'Gateway', metadata: { name: 'eg', namespace }, spec: { gatewayClassName: 'portico', listeners: [{ name: 'http', protocol: 'HTTP', port: 80 }, ...https] } };
}

const route = (namespace: string, name: string, path = '/') => ({
  apiVersion: GW,
  kind: 'HTTPRoute',
  metadata: { name, namespace },
  spec: { parentRefs: [{ name: 'eg' }], hostnames: ['a.example'], rules: [{ matches: [{ path: { type: 'PathPrefix', value: path } }], backendRefs: [{ name: 'web', port: 80 }] }] },
});

const service = (namespace: string, name: string) => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace },
  spec: { selector: { app: name }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] },
});

const slice = (namespace: string, service: string, ip = '10.0.0.7') => ({
  apiVersion: 'discovery.k8s.io/v1',
  kind: 'EndpointSlice',
  metadata: { name: `${service}-1`, namespace, labels: { 'kubernetes.io/service-name': service } },
  addressType: 'IPv4',
  ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
  endpoints: [{ addresses: [ip], conditions: { ready: true } }],
});

const namespace = (name: string) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });

const b64 = (text: string) => Buffer.from(text).toString('base64');

/** The examples' self-signed certificate, as a TLS Secret named `site` in `namespace`. */
function siteSecret(namespace: string): object {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
  const [example] = parseResources(readFileSync(join(root, 'examples/60-tls-secret.yaml'), 'utf8'), 'tls.yaml').objects;
  return { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'site', namespace }, type: 'kubernetes.io/tls', data: (example as { data: object }).data };
}

/**
 * A ServiceAccount that may read every watched kind cluster-wide except Secrets, and Secrets only in
 * `secretNamespaces`: what the chart grants with `rbac.secretNamespaces` (charts/portico role-secrets.yaml).
 */
function limitedReader(namespace: string, name: string, secretNamespaces: string[]): object[] {
  const subjects = [{ kind: 'ServiceAccount', name, namespace }];
  const rbac = 'rbac.authorization.k8s.io/v1';
  const read = ['get', 'list', 'watch'];
  const rules = WATCH_TARGETS.filter((t) => t.kind !== 'Secret').map((t) => ({ apiGroups: [t.group], resources: [t.plural], verbs: read }));
  return [
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace } },
    { apiVersion: rbac, kind: 'ClusterRole', metadata: { name }, rules },
    { apiVersion: rbac, kind: 'ClusterRoleBinding', metadata: { name }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name }, subjects },
    ...secretNamespaces.flatMap((ns) => [
      { apiVersion: rbac, kind: 'Role', metadata: { name: `${name}-secrets`, namespace: ns }, rules: [{ apiGroups: [''], resources: ['secrets'], verbs: read }] },
      { apiVersion: rbac, kind: 'RoleBinding', metadata: { name: `${name}-secrets`, namespace: ns }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: `${name}-secrets` }, subjects },
    ]),
  ];
}

interface LogEntry {
  level: string;
  message: string;
  fields?: Record<string, unknown>;
}

function recordingLogger(): KubernetesLogger & { entries: LogEntry[] } {
  const entries: LogEntry[] = [];
  const at = (level: string) => (message: string, fields?: Record<string, unknown>) => void entries.push({ level, message, ...(fields ? { fields } : {}) });
  return { entries, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/** A started provider with every published snapshot recorded. */
interface Watched {
  provider: KubernetesProvider;
  first: ProviderSnapshot;
  published: ProviderSnapshot[];
  logger: ReturnType<typeof recordingLogger>;
  /** Resolves with the first snapshot (the current one included) that satisfies `check`. */
  until(what: string, check: (snapshot: ProviderSnapshot) => boolean, timeoutMs?: number): Promise<ProviderSnapshot>;
}

const names = (snapshot: ProviderSnapshot, kind: string, ns?: string) =>
  snapshot.objects.filter((o) => o.kind === kind && (ns === undefined || o.metadata.namespace === ns)).map((o) => o.metadata.name);

const changeText = (c: ObjectChange) => `${c.type} ${c.kind} ${c.namespace ? `${c.namespace}/` : ''}${c.name}`;

describeWithKube('kubernetes provider against a real API server', () => {
  let kube: KubeApiServer;
  const running: KubernetesProvider[] = [];

  async function watch(settings: Partial<KubernetesProviderSettings> = {}): Promise<Watched> {
    const logger = recordingLogger();
    const provider = createKubernetesProvider({ kubeConfig: kube.kubeConfig, logger, retryInitialMs: 200, retryMaxMs: 1_000, ...settings });
    running.push(provider);
    const published: ProviderSnapshot[] = [];
    provider.onChange((s) => void published.push(s));
    const first = await provider.start();
    return {
      provider,
      first,
      published,
      logger,
      until: (what, check, timeoutMs = 20_000) => waitUntil(what, () => [provider.current()].find(check), timeoutMs, 10),
    };
  }

  const remove = async (path: string) => {
    const { status, body } = await kubeRequest(kube.kubeConfig, 'DELETE', path);
    if (status !== 200 && status !== 202) throw new Error(`DELETE ${path}: HTTP ${status} ${JSON.stringify(body)}`);
  };

  beforeAll(async () => {
    kube = await startKubeApiServer({ namespaces: ['infra'] });
    // Every Gateway API CRD but UDPRoute's, for the first test; the rest come later.
    const crds = loadGatewayApiInstall().filter((o) => (o as { kind: string }).kind === 'CustomResourceDefinition');
    await kube.apply(crds.filter((crd) => (crd as { metadata: { name: string } }).metadata.name !== 'udproutes.gateway.networking.k8s.io'));
    await waitUntilServed(kube, ['gatewayclasses', 'gateways', 'httproutes', 'grpcroutes', 'tlsroutes', 'tcproutes', 'referencegrants', 'backendtlspolicies', 'listenersets']);
    await waitUntilServed(kube, ['xbackendtrafficpolicies', 'xtelemetrypolicies'], 'gateway.networking.x-k8s.io/v1alpha1');
    const porticoCrds = loadPorticoCrds();
    await kube.apply(porticoCrds);
    await waitUntilServed(kube, porticoCrds.map((crd) => crd.spec.names.plural), 'gateway.portico.dev/v1alpha1');
  });

  afterEach(async () => {
    await Promise.all(running.splice(0).map((p) => p.stop()));
  });

  afterAll(async () => {
    await kube?.stop();
  });

  it('works on without a CRD, says so once, and picks the kind up when the CRD is installed', async () => {
    await kube.apply([namespace('crd'), service('crd', 'web')]);
    const w = await watch({ missingRetryMs: 300 });
    expect(names(w.first, 'Service', 'crd')).toEqual(['web']);
    const udp = w.provider.sources().find((s) => s.source === 'kubernetes:UDPRoute');
    expect(udp).toMatchObject({ state: 'ok', objects: 0, warnings: [expect.stringMatching(/^udproutes\.gateway\.networking\.k8s\.io is not served by the API server/)] });
    expect(w.provider.sources().filter((s) => s.state !== 'ok' || (s.warnings.length > 0 && s.source !== 'kubernetes:UDPRoute'))).toEqual([]);
    expect(w.provider.sources()).toHaveLength(WATCH_TARGETS.length);

    await installGatewayApiCrds(kube.kubeConfig);
    await kube.apply([
      {
        apiVersion: GW,
        kind: 'UDPRoute',
        metadata: { name: 'dns', namespace: 'crd' },
        spec: { parentRefs: [{ name: 'eg' }], rules: [{ backendRefs: [{ name: 'web', port: 53 }] }] },
      },
    ]);
    // Read at v1 in the end, whatever discovery listed first: the API server publishes each group
    // version of a new CRD separately, and a kind found at v1alpha2 only moves to v1 once served there.
    const after = await w.until('the UDPRoute at v1', (s) => s.resources.get('UDPRoute', 'crd', 'dns')?.apiVersion === GW);
    expect(names(after, 'UDPRoute', 'crd')).toEqual(['dns']);
    expect(w.provider.sources().find((s) => s.source === 'kubernetes:UDPRoute')).toMatchObject({ state: 'ok', objects: 1, warnings: [] });
    const notServed = w.logger.entries.filter((e) => e.message.includes('not served'));
    expect(notServed).toEqual([expect.objectContaining({ level: 'warn', fields: expect.objectContaining({ kind: 'UDPRoute' }) })]);
  });

  it('reads BackendPolicies (gateway.portico.dev/v1alpha1) with the defaults the API server applied', async () => {
    await kube.apply([
      namespace('policies'),
      {
        apiVersion: 'gateway.portico.dev/v1alpha1',
        kind: 'BackendPolicy',
        metadata: { name: 'checks', namespace: 'policies' },
        spec: { targetRefs: [{ group: '', kind: 'Service', name: 'web' }], healthCheck: { type: 'HTTP', http: { path: '/healthz' } } },
      },
    ]);
    const w = await watch();
    const policy = w.first.resources.get('BackendPolicy', 'policies', 'checks');
    expect(policy?.apiVersion).toBe('gateway.portico.dev/v1alpha1');
    expect(policy?.spec.healthCheck).toEqual({ type: 'HTTP', interval: '3s', timeout: '1s', unhealthyThreshold: 3, healthyThreshold: 1, http: { path: '/healthz', method: 'GET', expectedStatuses: [200] } });
    expect(w.provider.sources().find((s) => s.source === 'kubernetes:BackendPolicy')).toMatchObject({ state: 'ok', objects: 1, warnings: [] });
  });

  it('reads a kind at an older version while only that is served, and moves to the preferred one once it is', async () => {
    const original = loadGatewayApiInstall().find((o) => (o as { metadata: { name: string } }).metadata.name === 'tcproutes.gateway.networking.k8s.io') as {
      spec: { versions: { name: string; served: boolean }[] };
    };
    const v1Unserved = structuredClone(original);
    for (const v of v1Unserved.spec.versions) if (v.name === 'v1') v.served = false;
    await kube.apply([v1Unserved, namespace('older')]);
    await waitUntilDiscovery(kube, 'v1', (served) => !served.has('tcproutes'));
    try {
      const w = await watch({ missingRetryMs: 300 });
      const source = () => w.provider.sources().find((s) => s.source === 'kubernetes:TCPRoute');
      expect(source()?.warnings).toEqual([expect.stringMatching(/^read at gateway\.networking\.k8s\.io\/v1alpha2/)]);
      await kube.apply([{ apiVersion: 'gateway.networking.k8s.io/v1alpha2', kind: 'TCPRoute', metadata: { name: 'db', namespace: 'older' }, spec: { parentRefs: [{ name: 'eg' }], rules: [{ backendRefs: [{ name: 'db', port: 5432 }] }] } }]);
      await w.until('the TCPRoute at v1alpha2', (s) => s.resources.get('TCPRoute', 'older', 'db')?.apiVersion === 'gateway.networking.k8s.io/v1alpha2');

      await kube.apply([original]);
      const after = await w.until('the TCPRoute at v1', (s) => s.resources.get('TCPRoute', 'older', 'db')?.apiVersion === GW);
      expect(names(after, 'TCPRoute', 'older')).toEqual(['db']);
      expect(source()).toMatchObject({ state: 'ok', objects: 1, warnings: [] });
      expect(w.logger.entries).toContainEqual(expect.objectContaining({ level: 'info', message: 'kubernetes kind served at a more preferred version; reading it there' }));
    } finally {
      await kube.apply([original]);
      await waitUntilServed(kube, ['tcproutes']);
    }
  });

  it('starts with every object listed, shaped like the YAML loader makes them', async () => {
    await kube.apply([gatewayClass, namespace('start'), gateway('start'), route('start', 'r1'), service('start', 'web'), slice('start', 'web')]);
    const w = await watch();
    expect(w.provider.synced()).toBe(true);
    expect(w.first.generation).toBe(1);
    expect(w.first.changes).toBeUndefined();
    expect(w.provider.current()).toBe(w.first);
    expect(names(w.first, 'Namespace')).toEqual(expect.arrayContaining(['crd', 'default', 'infra', 'kube-system', 'start']));
    expect(w.first.objects.filter((o) => o.metadata.namespace === 'start').map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'Gateway/eg',
      'HTTPRoute/r1',
      'Service/web',
      'EndpointSlice/web-1',
    ]);
    // Kinds in a stable order, each sorted by namespace then name; the ResourceSet holds the same objects.
    const kinds = [...new Set(w.first.objects.map((o) => o.kind))];
    expect(kinds.indexOf('GatewayClass')).toBeLessThan(kinds.indexOf('Namespace'));
    expect([...w.first.resources.all()]).toEqual(w.first.objects);

    const fromApi = w.first.resources.get('HTTPRoute', 'start', 'r1');
    const [fromFile] = parseResources(JSON.stringify(route('start', 'r1')), 'r1.json').objects;
    expect(fromApi?.spec).toEqual(fromFile?.spec);
    expect(fromApi?.apiVersion).toBe(GW);
    const meta = fromApi?.metadata as unknown as Record<string, unknown>;
    expect(meta).toMatchObject({ generation: 1, creationTimestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/), uid: expect.any(String), resourceVersion: expect.any(String) });
    expect(meta.managedFields).toBeUndefined();

    const svc = w.first.resources.get('Service', 'start', 'web');
    expect(svc).toMatchObject({ apiVersion: 'v1', kind: 'Service', spec: { ports: [{ port: 80, targetPort: 'http', protocol: 'TCP' }], clusterIP: expect.any(String) } });
    const [svcFromFile] = parseResources(JSON.stringify(service('start', 'web')), 'svc.json').objects;
    expect(svc?.spec.ports).toEqual(svcFromFile?.spec && (svcFromFile.spec as { ports: unknown }).ports);
    expect(w.first.resources.get('EndpointSlice', 'start', 'web-1')).toMatchObject({ apiVersion: 'discovery.k8s.io/v1', addressType: 'IPv4', endpoints: [{ addresses: ['10.0.0.7'] }] });
    expect(w.provider.sources().every((s) => s.state === 'ok' && s.lastGoodAt !== undefined)).toBe(true);
  });

  it('follows creates, updates and deletes, with exact changes and unchanged objects kept', async () => {
    await kube.apply([namespace('crud'), gateway('crud'), route('crud', 'a'), service('crud', 'web')]);
    const w = await watch();
    const gatewayBefore = w.first.resources.get('Gateway', 'crud', 'eg');

    await kube.apply([route('crud', 'b', '/b')]);
    const created = await w.until('route b', (s) => names(s, 'HTTPRoute', 'crud').includes('b'));
    expect(created.generation).toBe(2);
    expect(created.changes?.map(changeText)).toEqual(['upsert HTTPRoute crud/b']);
    expect(created.resources.get('Gateway', 'crud', 'eg')).toBe(gatewayBefore);

    await kube.apply([route('crud', 'a', '/changed')]);
    const updated = await w.until('route a changed', (s) => s.resources.get('HTTPRoute', 'crud', 'a')?.spec.rules?.[0]?.matches?.[0]?.path?.value === '/changed');
    expect(updated.changes?.map(changeText)).toEqual(['upsert HTTPRoute crud/a']);
    expect(updated.resources.get('HTTPRoute', 'crud', 'a')?.metadata.generation).toBe(2);
    expect(updated.resources.get('HTTPRoute', 'crud', 'b')).toBe(created.resources.get('HTTPRoute', 'crud', 'b'));

    await remove('/apis/gateway.networking.k8s.io/v1/namespaces/crud/httproutes/b');
    await remove('/api/v1/namespaces/crud/services/web');
    const deleted = await w.until('b and web gone', (s) => !names(s, 'HTTPRoute', 'crud').includes('b') && !names(s, 'Service', 'crud').includes('web'));
    const sinceUpdate = w.published.slice(w.published.indexOf(updated) + 1).flatMap((s) => s.changes ?? []);
    expect(sinceUpdate.map(changeText).sort()).toEqual(['delete HTTPRoute crud/b', 'delete Service crud/web']);
    expect(deleted.generation).toBe(w.published.at(-1)?.generation);
    // Generations only grow, and every published snapshot says what changed.
    expect(w.published.map((s) => s.generation)).toEqual(w.published.map((_, i) => i + 2));
    expect(w.published.every((s) => (s.changes?.length ?? 0) > 0)).toBe(true);
  });

  it('serves a Secret only while something references it, and only the keys that reference reads', async () => {
    const pem = { 'tls.crt': b64('CERT'), 'tls.key': b64('KEY'), 'ca.crt': b64('CA'), password: b64('hunter2') };
    await kube.apply([
      namespace('tls'),
      { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'site', namespace: 'tls' }, type: 'kubernetes.io/tls', data: pem },
      { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'ca', namespace: 'tls' }, type: 'Opaque', data: { 'ca.crt': b64('CA'), token: b64('t0ken') } },
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'bundle', namespace: 'tls' }, data: { 'ca.crt': 'CA-PEM', other: 'x' } },
      gateway('tls'),
    ]);
    const w = await watch();
    expect(names(w.first, 'Secret', 'tls')).toEqual([]);
    expect(names(w.first, 'ConfigMap', 'tls')).toEqual([]);

    await kube.apply([gateway('tls', [{ name: 'site' }])]);
    const referenced = await w.until('the site Secret', (s) => names(s, 'Secret', 'tls').includes('site'));
    expect(referenced.resources.get('Secret', 'tls', 'site')?.data).toEqual({ 'tls.crt': b64('CERT'), 'tls.key': b64('KEY') });
    expect(referenced.changes?.map(changeText).sort()).toEqual(['upsert Gateway tls/eg', 'upsert Secret tls/site']);

    await kube.apply([
      {
        apiVersion: GW,
        kind: 'BackendTLSPolicy',
        metadata: { name: 'web', namespace: 'tls' },
        spec: {
          targetRefs: [{ group: '', kind: 'Service', name: 'web' }],
          validation: { hostname: 'web.example', caCertificateRefs: [{ group: '', kind: 'Secret', name: 'ca' }, { group: '', kind: 'ConfigMap', name: 'bundle' }] },
        },
      },
    ]);
    const withCa = await w.until('the CA Secret and ConfigMap', (s) => names(s, 'Secret', 'tls').includes('ca') && names(s, 'ConfigMap', 'tls').includes('bundle'));
    expect(withCa.resources.get('Secret', 'tls', 'ca')?.data).toEqual({ 'ca.crt': b64('CA') });
    expect(withCa.resources.get('ConfigMap', 'tls', 'bundle')?.data).toEqual({ 'ca.crt': 'CA-PEM' });
    expect(withCa.resources.get('Secret', 'tls', 'site')).toBe(referenced.resources.get('Secret', 'tls', 'site'));

    // The other keys are never anywhere in what the provider serves.
    for (const snapshot of [w.first, ...w.published]) {
      const text = JSON.stringify(snapshot.objects);
      expect(text).not.toContain(b64('hunter2'));
      expect(text).not.toContain(b64('t0ken'));
      expect(text).not.toContain('last-applied-configuration');
    }

    await kube.apply([gateway('tls')]);
    const unreferenced = await w.until('the site Secret gone', (s) => !names(s, 'Secret', 'tls').includes('site'));
    expect(unreferenced.changes?.map(changeText).sort()).toEqual(['delete Secret tls/site', 'upsert Gateway tls/eg']);
    expect(names(unreferenced, 'Secret', 'tls')).toEqual(['ca']);
  });

  it('watches ListenerSets (GEP-1713): serves the Secret a ListenerSet listener references, and not a change to its status only', async () => {
    const pem = { 'tls.crt': b64('LS-CERT'), 'tls.key': b64('LS-KEY'), password: b64('hunter3') };
    const listenerSet = (certificate?: string) => ({
      apiVersion: GW,
      kind: 'ListenerSet',
      metadata: { name: 'team', namespace: 'lset' },
      spec: {
        parentRef: { name: 'eg' },
        listeners: [
          certificate
            ? { name: 'https', protocol: 'HTTPS', port: 8443, hostname: 'team.example', tls: { mode: 'Terminate', certificateRefs: [{ name: certificate }] } }
            : { name: 'http', protocol: 'HTTP', port: 8080 },
        ],
      },
    });
    await kube.apply([namespace('lset'), gateway('lset'), { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'team-cert', namespace: 'lset' }, type: 'kubernetes.io/tls', data: pem }, listenerSet()]);
    const w = await watch();
    expect(names(w.first, 'ListenerSet', 'lset')).toEqual(['team']);
    expect(names(w.first, 'Secret', 'lset')).toEqual([]);

    await kube.apply([listenerSet('team-cert')]);
    const referenced = await w.until('the ListenerSet’s Secret', (s) => names(s, 'Secret', 'lset').includes('team-cert'));
    expect(referenced.resources.get('Secret', 'lset', 'team-cert')?.data).toEqual({ 'tls.crt': b64('LS-CERT'), 'tls.key': b64('LS-KEY') });
    expect(referenced.changes?.map(changeText).sort()).toEqual(['upsert ListenerSet lset/team', 'upsert Secret lset/team-cert']);

    // Our own status write (Portico writes ListenerSet status) is not a change worth a translation.
    const path = `/apis/${GW}/namespaces/lset/listenersets/team`;
    const stored = (await kubeRequest(kube.kubeConfig, 'GET', path)).body as Record<string, unknown>;
    const condition = { type: 'Accepted', status: 'True', reason: 'Accepted', message: 'ok', observedGeneration: 2, lastTransitionTime: '2025-01-01T00:00:00Z' };
    expect((await kubeRequest(kube.kubeConfig, 'PUT', `${path}/status`, { ...stored, status: { conditions: [condition] } })).status).toBe(200);
    await waitUntil('the provider to see the status write', () => (w.provider.latest('ListenerSet', 'lset', 'team')?.status as { conditions?: unknown[] } | undefined)?.conditions?.length === 1 || undefined, 20_000, 10);
    expect(w.provider.current().resources.get('ListenerSet', 'lset', 'team')).toBe(referenced.resources.get('ListenerSet', 'lset', 'team'));
  });

  it('secretNamespaces: syncs with Secrets readable only in team-a and team-c, and serves no Secret of another namespace', async () => {
    const system = 'limited-system';
    const teams = ['team-a', 'team-b', 'team-c'];
    await kube.apply([
      gatewayClass,
      ...[...teams, system].map(namespace),
      ...limitedReader(system, 'portico', ['team-a', 'team-c']),
      ...teams.map(siteSecret),
      ...teams.map((team) => gateway(team, [{ name: 'site' }])),
    ]);
    const kubeConfig = await serviceAccountKubeConfig(system, 'portico');

    // Cluster-wide, these credentials are refused the Secret list, and the provider never syncs.
    const logger = recordingLogger();
    const everywhere = createKubernetesProvider({ kubeConfig, logger, retryInitialMs: 200, retryMaxMs: 1_000 });
    running.push(everywhere);
    const starting = everywhere.start();
    await waitUntil('the forbidden Secret list', () => everywhere.sources().find((s) => s.source === 'kubernetes:Secret' && s.state === 'error'), 20_000);
    expect(everywhere.sources().find((s) => s.source === 'kubernetes:Secret')?.error).toMatch(/forbidden/);
    expect(everywhere.synced()).toBe(false);
    await everywhere.stop();
    await expect(starting).rejects.toThrow('stopped before it synced');

    const began = performance.now();
    const w = await watch({ kubeConfig, secretNamespaces: ['team-a', 'team-c'] });
    const syncMs = performance.now() - began;
    expect(w.provider.synced()).toBe(true);
    // Each namespace's list keeps the other's Secrets: one store, each watcher reconciling its own namespace.
    expect(w.first.objects.filter((o) => o.kind === 'Secret').map((o) => `${o.metadata.namespace}/${o.metadata.name}`)).toEqual(['team-a/site', 'team-c/site']);
    // Every other kind is still watched cluster-wide.
    expect(names(w.first, 'Gateway', 'team-b')).toEqual(['eg']);
    const secrets = w.provider.sources().filter((s) => s.source === 'kubernetes:Secret');
    expect(secrets).toEqual([expect.objectContaining({ state: 'ok', objects: 2, warnings: [], lastGoodAt: expect.any(String) })]);
    expect(w.provider.sources()).toHaveLength(WATCH_TARGETS.length);
    expect(w.logger.entries.filter((e) => e.message.includes('namespaces only'))).toEqual([
      { level: 'info', message: 'kubernetes kind watched in these namespaces only', fields: { kind: 'Secret', namespaces: ['team-a', 'team-c'] } },
    ]);
    // (UDPRoute's CRD comes with the first test: this one alone runs without it.)
    expect(w.logger.entries.filter((e) => (e.level === 'warn' || e.level === 'error') && e.fields?.kind !== 'UDPRoute')).toEqual([]);

    // The translator finds team-a's certificate, and reports team-b's as missing.
    const { statuses } = translate(w.first.resources);
    const resolvedRefs = (ns: string) => {
      const gatewayStatus = statuses.get(`Gateway/${ns}/eg`);
      const listener = gatewayStatus?.kind === 'Gateway' ? gatewayStatus.status.listeners?.find((l) => l.name === 'https') : undefined;
      return listener?.conditions?.find((c) => c.type === 'ResolvedRefs');
    };
    expect(resolvedRefs('team-a')).toMatchObject({ status: 'True' });
    expect(resolvedRefs('team-c')).toMatchObject({ status: 'True' });
    expect(resolvedRefs('team-b')).toMatchObject({ status: 'False', reason: 'InvalidCertificateRef', message: expect.stringContaining('Secret team-b/site does not exist') });

    // Changes in the watched namespace still arrive; a Secret of another namespace never does.
    await kube.apply([{ ...siteSecret('team-b'), metadata: { name: 'other', namespace: 'team-b' } }, gateway('team-b', [{ name: 'site' }, { name: 'other' }])]);
    await kube.apply([{ ...siteSecret('team-a'), metadata: { name: 'next', namespace: 'team-a' } }, gateway('team-a', [{ name: 'site' }, { name: 'next' }])]);
    const next = await w.until('team-a/next', (s) => names(s, 'Secret', 'team-a').includes('next'));
    expect(names(next, 'Secret', 'team-a')).toEqual(['next', 'site']);
    await remove('/api/v1/namespaces/team-a/secrets/site');
    const removed = await w.until('team-a/site gone', (s) => !names(s, 'Secret', 'team-a').includes('site'));
    expect(removed.objects.filter((o) => o.kind === 'Secret').map((o) => `${o.metadata.namespace}/${o.metadata.name}`)).toEqual(['team-a/next', 'team-c/site']);
    expect(w.published.flatMap((s) => s.changes ?? []).filter((c) => c.kind === 'Secret').map(changeText)).toEqual([
      'upsert Secret team-a/next',
      'delete Secret team-a/site',
    ]);
    console.log(`secretNamespaces [team-a, team-c]: first sync in ${Math.round(syncMs)} ms on Secrets-limited credentials`);
  });

  /** A KubeConfig with a ServiceAccount's token (TokenRequest), as a pod running as it would have. */
  async function serviceAccountKubeConfig(namespace: string, name: string): Promise<KubeConfig> {
    const { status, body } = await kubeRequest(kube.kubeConfig, 'POST', `/api/v1/namespaces/${namespace}/serviceaccounts/${name}/token`, {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      spec: { expirationSeconds: 600 },
    });
    if (status !== 201) throw new Error(`TokenRequest for ${namespace}/${name}: HTTP ${status} ${JSON.stringify(body)}`);
    const cluster = kube.kubeConfig.getCurrentCluster()!;
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromOptions({
      clusters: [cluster],
      users: [{ name, token: (body as { status: { token: string } }).status.token }],
      contexts: [{ name, cluster: cluster.name, user: name }],
      currentContext: name,
    });
    return kubeConfig;
  }

  it('resyncs after an API server restart: what changed meanwhile arrives once, nothing else moves', async () => {
    await kube.apply([namespace('restart'), gateway('restart'), route('restart', 'stays'), route('restart', 'goes'), service('restart', 'web')]);
    const w = await watch({ retryInitialMs: 1_000, retryMaxMs: 2_000 });
    const before = w.provider.current();
    const seen = w.published.length;

    const began = Date.now();
    await kube.restart();
    const restarted = Date.now();
    // Right after the restart the provider is still backing off: these happen while it is not watching.
    await kube.apply([route('restart', 'new')]);
    await remove('/apis/gateway.networking.k8s.io/v1/namespaces/restart/httproutes/goes');
    const after = await w.until('the restart changes', (s) => names(s, 'HTTPRoute', 'restart').join() === 'new,stays', 30_000);
    console.log(`kube-apiserver restart took ${restarted - began} ms; the provider served the changes made after it ${Date.now() - restarted} ms later`);

    const changes = w.published.slice(seen).flatMap((s) => s.changes ?? []).map(changeText);
    expect(changes.sort()).toEqual(['delete HTTPRoute restart/goes', 'upsert HTTPRoute restart/new']);
    expect(after.resources.get('HTTPRoute', 'restart', 'stays')).toBe(before.resources.get('HTTPRoute', 'restart', 'stays'));
    expect(after.resources.get('Gateway', 'restart', 'eg')).toBe(before.resources.get('Gateway', 'restart', 'eg'));
    await waitUntil('every source ok again', () => w.provider.sources().every((s) => s.state === 'ok'), 20_000);
    expect(w.logger.entries.filter((e) => e.level === 'error')).toEqual([]);
    expect(w.logger.entries.some((e) => e.message === 'kubernetes watch restored')).toBe(true);
  });

  it('stop() ends every watch: a start() in progress rejects, nothing is published or logged after it', async () => {
    const sockets = () => process.getActiveResourcesInfo().filter((r) => r === 'TLSWrap' || r === 'TCPSocketWrap').length;
    const idle = sockets();
    const early = createKubernetesProvider({ kubeConfig: kube.kubeConfig });
    const starting = early.start();
    await early.stop();
    await expect(starting).rejects.toThrow('kubernetes provider: stopped before it synced');

    const w = await watch();
    const watched = w.provider.sources().filter((s) => !s.warnings.some((m) => m.includes('not served'))).length;
    // One connection per watch (the harness may hold one idle keep-alive connection besides).
    expect(sockets()).toBeGreaterThanOrEqual(watched);
    await w.provider.stop();
    const logged = w.logger.entries.length;
    await kube.apply([namespace('after-stop')]);
    await new Promise((r) => setTimeout(r, 300));
    expect(w.published).toEqual([]);
    expect(w.logger.entries.slice(logged)).toEqual([]);
    await waitUntil('the watch connections closed', () => sockets() <= idle + 1, 5_000);
    expect(watched).toBeGreaterThanOrEqual(15);
  });

  it('scale: 1,000 HTTPRoutes + 1,000 Services + 1,000 EndpointSlices (figures printed)', async () => {
    const N = 1_000;
    const ns = 'scale';
    await kube.apply([namespace(ns), gateway(ns)]);
    const createStarted = Date.now();
    const bodies: [string, object][] = [];
    for (let i = 0; i < N; i++) {
      bodies.push([`/apis/gateway.networking.k8s.io/v1/namespaces/${ns}/httproutes`, route(ns, `r-${i}`, `/p${i}`)]);
      bodies.push([`/api/v1/namespaces/${ns}/services`, service(ns, `s-${i}`)]);
      bodies.push([`/apis/discovery.k8s.io/v1/namespaces/${ns}/endpointslices`, slice(ns, `s-${i}`, `10.1.${i >> 8}.${i & 255}`)]);
    }
    await inParallel(bodies, 32, async ([path, body]) => {
      const { status } = await kubeRequest(kube.kubeConfig, 'POST', path, body);
      if (status !== 201) throw new Error(`POST ${path}: HTTP ${status}`);
    });
    const createMs = Date.now() - createStarted;

    const heapBefore = heapAfterGc();
    const syncStarted = performance.now();
    const w = await watch();
    const syncMs = performance.now() - syncStarted;
    const heapAfter = heapAfterGc();
    expect(names(w.first, 'HTTPRoute', ns)).toHaveLength(N);
    expect(names(w.first, 'Service', ns)).toHaveLength(N);
    expect(names(w.first, 'EndpointSlice', ns)).toHaveLength(N);

    // Event → snapshot: from the API server's answer to the write until the snapshot carrying it.
    const latencies: number[] = [];
    for (let i = 0; i < 20; i++) {
      const ip = `10.2.0.${i + 1}`;
      const written = performance.now();
      await kube.apply([slice(ns, `s-${i}`, ip)]);
      const answered = performance.now();
      await w.until(`slice s-${i}-1 update`, (s) => s.resources.get('EndpointSlice', ns, `s-${i}-1`)?.endpoints?.[0]?.addresses[0] === ip);
      latencies.push(performance.now() - answered);
      expect(answered).toBeGreaterThan(written);
    }
    latencies.sort((a, b) => a - b);
    const last = w.provider.current();
    console.log(
      JSON.stringify({
        objects: last.objects.length,
        createMs,
        firstSyncMs: Math.round(syncMs),
        eventToSnapshotMs: { p50: Math.round(latencies[10]!), p90: Math.round(latencies[18]!), max: Math.round(latencies[19]!) },
        // What the provider keeps (its stores, the informers' caches, the snapshot), after a full GC.
        retainedMB: Math.round((heapAfter - heapBefore) / 1e5) / 10,
        rssMB: Math.round(process.memoryUsage().rss / 1e5) / 10,
      }),
    );
    // Each update is one snapshot with one change: the debounce never merges unrelated objects in.
    expect(w.published.slice(-1)[0]?.changes?.map(changeText)).toEqual([`upsert EndpointSlice ${ns}/s-19-1`]);
  });
});

/** heapUsed after a full collection (jest runs tests in a vm context without `gc`; V8 can still hand it out). */
function heapAfterGc(): number {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

/** Runs `work` on every item, at most `limit` at a time. */
async function inParallel<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++] as T);
  };
  await Promise.all(Array.from({ length: limit }, worker));
}

/** Waits until discovery lists every resource of `plurals` in gateway.networking.k8s.io/v1. */
/** Waits until API discovery of gateway.networking.k8s.io/`version` satisfies `check` (the resource names served). */
async function waitUntilDiscovery(kube: KubeApiServer, version: string, check: (served: Set<string>) => boolean): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const { status, body } = await kubeRequest(kube.kubeConfig, 'GET', `/apis/gateway.networking.k8s.io/${version}`);
    const served = status === 200 ? new Set((body as { resources: { name: string }[] }).resources.map((r) => r.name)) : new Set<string>();
    if (check(served)) return;
    if (Date.now() > deadline) throw new Error(`discovery of gateway.networking.k8s.io/${version} not as expected after 30 s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function waitUntilServed(kube: KubeApiServer, plurals: string[], groupVersion = 'gateway.networking.k8s.io/v1'): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const { status, body } = await kubeRequest(kube.kubeConfig, 'GET', `/apis/${groupVersion}`);
    const served = status === 200 ? new Set((body as { resources: { name: string }[] }).resources.map((r) => r.name)) : new Set<string>();
    if (plurals.every((p) => served.has(p))) return;
    if (Date.now() > deadline) throw new Error(`not served after 30 s: ${plurals.filter((p) => !served.has(p)).join(', ')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
