/**
 * A cluster moving from the Gateway API v1.6.1 CRDs (earlier charts) to v1.7.0 (this chart's `crds/`),
 * against the real etcd and kube-apiserver, the way an admin does it: `kubectl apply --server-side` of
 * the new install over the old (Helm never upgrades `crds/`). The safe-upgrades admission policy lets
 * experimental replace experimental; objects created under v1.6.1 stay readable at every version
 * Portico accepts (KINDS) and the API server serves; an HTTPRoute whose session persistence uses
 * v1.6.1's `sessionName`/`cookieConfig` translates with them under v1.6.1, loses them (pruned on read)
 * under v1.7.0 until rewritten as `cookie`, and a v1.6.1-shaped new object is refused.
 */
import { jest } from '@jest/globals';
import { KINDS, ResourceSet, type HTTPRoute, type Resource } from '@portico/resources';
import { translate } from '@portico/translator';
import { kubeRequest } from '../support/kube/kube-apply.js';
import { describeWithKube, startKubeApiServer, type KubeApiServer } from '../support/kube/kube-apiserver.js';
import { GATEWAY_API_CRDS_DIR, GATEWAY_API_V1_6_CRDS_DIR, installGatewayApiCrds } from '../support/kube/kube-crds.js';

jest.setTimeout(120_000);

const NS = 'upgrade';
const GW = 'gateway.networking.k8s.io';

const gatewayClass = { apiVersion: `${GW}/v1`, kind: 'GatewayClass', metadata: { name: 'portico' }, spec: { controllerName: 'portico.dev/gateway-controller' } };
const gateway = {
  apiVersion: `${GW}/v1`,
  kind: 'Gateway',
  metadata: { name: 'eg', namespace: NS },
  spec: { gatewayClassName: 'portico', listeners: [{ name: 'http', protocol: 'HTTP', port: 80 }, { name: 'tls', protocol: 'TLS', port: 443, tls: { mode: 'Passthrough' } }] },
};
/** Session persistence in v1.6.1's shape: gone from the v1.7.0 schema (`cookie.name`, `cookie.lifetimeType`). */
const legacySessionRoute = {
  apiVersion: `${GW}/v1`,
  kind: 'HTTPRoute',
  metadata: { name: 'cart', namespace: NS },
  spec: {
    parentRefs: [{ name: 'eg' }],
    rules: [{ sessionPersistence: { sessionName: 'cart-session', absoluteTimeout: '1h', cookieConfig: { lifetimeType: 'Permanent' } }, backendRefs: [{ name: 'web', port: 80 }] }],
  },
};
/** Created at a deprecated, still served version. */
const tlsRoute = {
  apiVersion: `${GW}/v1alpha2`,
  kind: 'TLSRoute',
  metadata: { name: 'secure', namespace: NS },
  spec: { parentRefs: [{ name: 'eg' }], hostnames: ['secure.example.com'], rules: [{ backendRefs: [{ name: 'web', port: 443 }] }] },
};
const service = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: NS }, spec: { ports: [{ name: 'http', port: 80 }, { name: 'https', port: 443 }] } };

const PLURALS: Record<string, string> = { GatewayClass: 'gatewayclasses', Gateway: 'gateways', ListenerSet: 'listenersets', HTTPRoute: 'httproutes', GRPCRoute: 'grpcroutes', TLSRoute: 'tlsroutes', TCPRoute: 'tcproutes', UDPRoute: 'udproutes', ReferenceGrant: 'referencegrants', BackendTLSPolicy: 'backendtlspolicies' };

describeWithKube('Gateway API CRDs v1.6.1 → v1.7.0 on a real API server', () => {
  let kube: KubeApiServer;

  const get = async (path: string) => {
    const { status, body } = await kubeRequest(kube.kubeConfig, 'GET', path);
    if (status !== 200) throw new Error(`GET ${path}: HTTP ${status} ${JSON.stringify(body)}`);
    return body as Record<string, any>;
  };
  const bundleVersion = async (plural: string) => (await get(`/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${plural}.${GW}`)).metadata.annotations[`${GW}/bundle-version`];
  /** What translate() makes of the cart route's session persistence, from the object as the API server serves it. */
  const translatedSession = async () => {
    const route = (await get(`/apis/${GW}/v1/namespaces/${NS}/httproutes/cart`)) as HTTPRoute;
    const objects = [gatewayClass, gateway, route, service] as unknown as Resource[];
    const ir = translate(ResourceSet.from(objects), { now: new Date('2026-01-01T00:00:00Z') }).gateways.get(`${NS}/eg`);
    const routes = (ir?.listeners ?? []).flatMap((l) => (l.type === 'HTTP' ? l.virtualHosts.flatMap((vh) => vh.routes) : []));
    return { spec: route.spec.rules?.[0]?.sessionPersistence, ir: routes.map((r) => r.sessionPersistence) };
  };

  beforeAll(async () => {
    kube = await startKubeApiServer({ namespaces: [NS] });
    await installGatewayApiCrds(kube.kubeConfig, 60_000, GATEWAY_API_V1_6_CRDS_DIR);
    await kube.apply([gatewayClass, gateway, legacySessionRoute, tlsRoute, service]);
  });

  afterAll(async () => {
    await kube?.stop();
  });

  it('translates the v1.6.1 session fields while the cluster has v1.6.1 CRDs', async () => {
    expect(await bundleVersion('httproutes')).toBe('v1.6.1');
    expect(await translatedSession()).toEqual({
      spec: { type: 'Cookie', sessionName: 'cart-session', absoluteTimeout: '1h', cookieConfig: { lifetimeType: 'Permanent' } },
      ir: [{ type: 'Cookie', name: 'cart-session', absoluteTimeoutMs: 3_600_000, lifetime: 'Permanent', cookiePath: '/' }],
    });
  });

  it('applies the v1.7.0 install over it (safe-upgrades policy included) and serves every version Portico accepts', async () => {
    await installGatewayApiCrds(kube.kubeConfig, 60_000, GATEWAY_API_CRDS_DIR);
    for (const [kind, plural] of Object.entries(PLURALS)) {
      expect({ kind, bundle: await bundleVersion(plural) }).toEqual({ kind, bundle: 'v1.7.0' });
      const crd = await get(`/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${plural}.${GW}`);
      const served = (crd.spec.versions as { name: string; served: boolean }[]).filter((v) => v.served).map((v) => v.name);
      expect({ kind, served: [...served].sort() }).toEqual({ kind, served: [...KINDS[kind as keyof typeof KINDS].versions].sort() });
    }
    // Created at v1alpha2 under v1.6.1, read at v1 (the storage version) and at v1alpha2 under v1.7.0.
    expect((await get(`/apis/${GW}/v1/namespaces/${NS}/tlsroutes/secure`)).spec.hostnames).toEqual(['secure.example.com']);
    expect((await get(`/apis/${GW}/v1alpha2/namespaces/${NS}/tlsroutes/secure`)).spec.hostnames).toEqual(['secure.example.com']);
  });

  it('prunes a stored v1.6.1 session on read (the default cookie name and lifetime apply) until it is rewritten in the v1.7.0 shape', async () => {
    // Structural pruning applies to what etcd returns too: the fields v1.7.0 dropped are gone at once,
    // so routes should be rewritten right after the CRD upgrade (the v1.6.1 schema prunes `cookie`).
    expect(await translatedSession()).toEqual({
      spec: { type: 'Cookie', absoluteTimeout: '1h' },
      ir: [{ type: 'Cookie', name: 'portico-session', absoluteTimeoutMs: 3_600_000, lifetime: 'Session', cookiePath: '/' }],
    });

    await kube.apply([{ ...legacySessionRoute, spec: { ...legacySessionRoute.spec, rules: [{ sessionPersistence: { absoluteTimeout: '1h', cookie: { name: 'cart-session', lifetimeType: 'Permanent' } }, backendRefs: [{ name: 'web', port: 80 }] }] } }]);
    const after = await translatedSession();
    // The v1.7.0 CRD defaults cookie.path to "/".
    expect(after.spec).toEqual({ type: 'Cookie', absoluteTimeout: '1h', cookie: { name: 'cart-session', lifetimeType: 'Permanent', path: '/' } });
    expect(after.ir).toEqual([{ type: 'Cookie', name: 'cart-session', absoluteTimeoutMs: 3_600_000, lifetime: 'Permanent', cookiePath: '/' }]);
  });

  it('refuses a v1.6.1-shaped session in new objects: unknown fields (kubectl), else the CEL rule that wants `cookie`', async () => {
    const create = (query: string) => kubeRequest(kube.kubeConfig, 'POST', `/apis/${GW}/v1/namespaces/${NS}/httproutes${query}`, { ...legacySessionRoute, metadata: { name: 'legacy', namespace: NS } });
    const strict = await create('?fieldValidation=Strict');
    expect({ status: strict.status, message: (strict.body as { message?: string }).message }).toEqual({ status: 400, message: expect.stringContaining('unknown field "spec.rules[0].sessionPersistence.sessionName"') });
    // The API's default (Warn) prunes the old fields; the now cookie-less Cookie session fails CEL.
    const lenient = await create('');
    expect({ status: lenient.status, message: (lenient.body as { message?: string }).message }).toEqual({ status: 422, message: expect.stringContaining('cookie must be specified for Cookie type') });
  });
});
