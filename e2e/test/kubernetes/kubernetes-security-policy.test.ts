/**
 * The SecurityPolicy CRD (charts/portico/crds/gateway.portico.dev_securitypolicies.yaml) in a real
 * kube-apiserver + etcd: the API server accepts the CRD (structural schema, CEL rules within its cost
 * budget), applies its defaults, refuses what its schema and CEL rules refuse with their messages,
 * Portico's status writer writes a policy's ancestors of ours (and nothing when unchanged), and the
 * Kubernetes provider serves the policies and exactly the Secret keys they read: the `.htpasswd` of a
 * basic auth Secret (not its other keys), every key of an API key Secret, no unreferenced Secret.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { jest } from '@jest/globals';
import { parse } from 'yaml';
import { type KubernetesProvider, type StatusWriter } from '@portico/provider';
import { createKubernetesProvider, createStatusWriter } from '@portico/provider/kubernetes';
import type { KubeObject } from '@portico/resources';
import { WRITTEN_CONDITION_TYPES } from '@portico/translator';
import { kubeRequest } from '../support/kube/kube-apply.js';
import { describeWithKube, startKubeApiServer, type KubeApiServer } from '../support/kube/kube-apiserver.js';
import { pollFor } from '../support/isolation-traffic.js';

jest.setTimeout(180_000);

const CRD_FILE = resolve(dirname(fileURLToPath(import.meta.url)), '../../../charts/portico/crds/gateway.portico.dev_securitypolicies.yaml');
const API = '/apis/gateway.portico.dev/v1alpha1/namespaces/apps/securitypolicies';
const OURS = 'portico.dev/gateway-controller';

function policy(name: string, spec: Record<string, unknown>) {
  return {
    apiVersion: 'gateway.portico.dev/v1alpha1',
    kind: 'SecurityPolicy',
    metadata: { name, namespace: 'apps' },
    spec: { targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', name: 'web' }], ...spec },
  };
}

describeWithKube('SecurityPolicy CRD in a real kube-apiserver', () => {
  let kube: KubeApiServer;
  let writer: StatusWriter | undefined;
  let provider: KubernetesProvider | undefined;
  const create = (object: object) => kubeRequest(kube.kubeConfig, 'POST', API, object);

  beforeAll(async () => {
    kube = await startKubeApiServer({ namespaces: ['apps'] });
    const crd = parse(readFileSync(CRD_FILE, 'utf8')) as object;
    const { status, body } = await kubeRequest(kube.kubeConfig, 'POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crd);
    if (status !== 201) throw new Error(`CRD refused: ${status} ${JSON.stringify(body)}`);
    await pollFor('the SecurityPolicy CRD to be Established', async () => {
      const { body: read } = await kubeRequest(kube.kubeConfig, 'GET', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/securitypolicies.gateway.portico.dev');
      const conditions = (read as { status?: { conditions?: { type: string; status: string }[] } }).status?.conditions ?? [];
      return conditions.some((c) => c.type === 'Established' && c.status === 'True') ? true : undefined;
    });
    // The resource is served a moment after Established.
    await pollFor('securitypolicies to be served', async () => ((await kubeRequest(kube.kubeConfig, 'GET', API)).status === 200 ? true : undefined));
  });

  afterAll(async () => {
    await writer?.stop();
    await provider?.stop();
    await kube?.stop();
  });

  test('a valid policy is stored with the CRD defaults', async () => {
    const { status, body } = await create(policy('ok', { ipAccess: { allow: ['10.0.0.0/8'] }, basicAuth: { users: { name: 'users' } }, apiKeyAuth: { credentialRefs: [{ name: 'keys' }] } }));
    expect(status).toBe(201);
    const spec = (body as { spec: { apiKeyAuth: { hideCredentials: boolean } } }).spec;
    expect(spec.apiKeyAuth.hideCredentials).toBe(false);
  });

  test.each([
    ['an entry that is not a CIDR', { ipAccess: { deny: ['10.0.0.300/8'] } }, 'every entry must be a CIDR'],
    ['a policy with nothing to enforce', {}, 'at least one of ipAccess, basicAuth, apiKeyAuth, jwt and extAuth'],
    ['extAuth with http and grpc', { extAuth: { http: { backendRef: { name: 'a', port: 80 } }, grpc: { backendRef: { name: 'a', port: 81 } } } }, 'exactly one of http and grpc'],
    ['extAuth with path and pathOverride', { extAuth: { http: { backendRef: { name: 'a', port: 80 }, path: '/a', pathOverride: '/b' } } }, 'path and pathOverride cannot both be set'],
    ['extAuth with headersToExtAuth and allRequestHeaders', { extAuth: { http: { backendRef: { name: 'a', port: 80 }, allRequestHeaders: true }, headersToExtAuth: ['x'] } }, 'headersToExtAuth and http.allRequestHeaders cannot both be set'],
    ['basic auth with JWT', { basicAuth: { users: { name: 'u' } }, jwt: { providers: [{ name: 'a', localJWKS: { inline: '{}' } }] } }, 'both read the Authorization header'],
    ['a provider without JWKS', { jwt: { providers: [{ name: 'a' }] } }, 'exactly one of localJWKS and remoteJWKS'],
  ])('refuses %s with the CRD’s message', async (_what, spec, message) => {
    const { status, body } = await create(policy(`bad-${Math.random().toString(36).slice(2, 8)}`, spec));
    expect(status).toBe(422);
    expect(JSON.stringify(body)).toContain(message);
  });

  test('an extAuth policy is stored with the CRD defaults (failOpen false, timeout 10s, a core Service)', async () => {
    const { status, body } = await create(policy('ext', { extAuth: { http: { backendRef: { name: 'auth', port: 8000 }, headersToBackend: [] } } }));
    expect(status).toBe(201);
    expect((body as { spec: { extAuth: unknown } }).spec.extAuth).toEqual({
      http: { backendRef: { group: '', kind: 'Service', name: 'auth', port: 8000 }, allRequestHeaders: false, headersToBackend: [] },
      failOpen: false,
      timeout: '10s',
    });
  });

  test('the status writer writes the ancestors of ours, and nothing when they are unchanged', async () => {
    writer = createStatusWriter({ kubeConfig: kube.kubeConfig, controllerName: OURS, ownedConditionTypes: WRITTEN_CONDITION_TYPES });
    const time = '2025-01-01T00:00:00Z';
    const conditions = [{ type: 'Accepted', status: 'True' as const, reason: 'Accepted', message: 'policy is accepted', observedGeneration: 1, lastTransitionTime: time }];
    const desired = { kind: 'SecurityPolicy' as const, namespace: 'apps', name: 'ok', status: { ancestors: [{ ancestorRef: { namespace: 'infra', name: 'edge' }, controllerName: OURS, conditions }] } };
    writer.update([desired]);
    await writer.idle();
    expect(writer.figures()).toMatchObject({ writes: 1, failures: 0 });
    const { body } = await kubeRequest(kube.kubeConfig, 'GET', `${API}/ok`);
    expect((body as KubeObject & { status: unknown }).status).toEqual({
      ancestors: [{ ancestorRef: { group: 'gateway.networking.k8s.io', kind: 'Gateway', namespace: 'infra', name: 'edge' }, controllerName: OURS, conditions }],
    });
    writer.update([structuredClone(desired)]);
    await writer.idle();
    expect(writer.figures()).toMatchObject({ writes: 1, unchanged: 1 });
  });

  test('the provider serves the policies and only the Secret keys they read', async () => {
    const secret = (name: string, type: string, stringData: Record<string, string>) => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: 'apps' }, type, stringData });
    await kube.apply([
      secret('users', 'Opaque', { '.htpasswd': 'alice:{SHA}2jmj7l5rSw0yVb/vlWAYkK/YBwk=', 'db-password': 'hunter2' }),
      secret('keys', 'gateway.portico.dev/api-keys', { 'team-a': 'key-a', 'team-b': 'key-b' }),
      secret('unrelated', 'Opaque', { token: 'do-not-read' }),
      policy('auth', { basicAuth: { users: { name: 'users' } } }),
      policy('keys', { apiKeyAuth: { credentialRefs: [{ name: 'keys' }] } }),
    ]);
    const quiet = () => undefined;
    provider = createKubernetesProvider({ kubeConfig: kube.kubeConfig, logger: { debug: quiet, info: quiet, warn: quiet, error: quiet }, retryInitialMs: 200, retryMaxMs: 1_000 });
    const snapshot = await provider.start();
    const policies = snapshot.objects.filter((o) => o.kind === 'SecurityPolicy' && o.metadata.namespace === 'apps').map((o) => o.metadata.name);
    expect(policies).toEqual(expect.arrayContaining(['auth', 'keys', 'ok']));
    const data = (name: string) => (snapshot.resources.get('Secret', 'apps', name) as { data?: Record<string, string> } | undefined)?.data;
    expect(Object.keys(data('users') ?? {})).toEqual(['.htpasswd']);
    expect(Object.keys(data('keys') ?? {}).sort()).toEqual(['team-a', 'team-b']);
    expect(data('unrelated')).toBeUndefined();
    expect(JSON.stringify(snapshot.objects)).not.toContain(Buffer.from('hunter2').toString('base64'));
  });
});
