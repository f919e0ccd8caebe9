/**
 * The Gateway API v1.7.0 CRDs' CEL rules on a real kube-apiserver: every object of
 * testdata/cel/refused.yaml is refused with the error its `portico.dev/expected-error` annotation
 * names (packages/resources/src/cel/cel-fixtures.test.ts holds Portico's loader to the same words), and
 * objects Portico accepts are accepted. Creates are dry runs: nothing is stored.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { repoRoot } from '../../cluster/repo-root.js';
import { kubeRequest } from '../support/kube/kube-apply.js';
import { describeWithKube, startKubeApiServer, type KubeApiServer } from '../support/kube/kube-apiserver.js';
import { installGatewayApiCrds } from '../support/kube/kube-crds.js';

/** The rules under test are v1.7.0's, whatever release the chart ships. */
const V1_7_CRDS = join(repoRoot(), '../shared/crds/gateway-api-v1.7.0/experimental');

const PLURALS: Record<string, string> = {
  Gateway: 'gateways',
  HTTPRoute: 'httproutes',
  GRPCRoute: 'grpcroutes',
  BackendTLSPolicy: 'backendtlspolicies',
  ListenerSet: 'listenersets',
  TLSRoute: 'tlsroutes',
};

interface Fixture {
  apiVersion: string;
  kind: string;
  metadata: { name: string; annotations?: Record<string, string> };
}

const refused = parseAllDocuments(readFileSync(join(repoRoot(), 'testdata/cel/refused.yaml'), 'utf8')).map((d) => d.toJS() as Fixture);

/** Objects Portico's loader accepts: so must the API server. */
const accepted: Fixture[] = [
  {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'Gateway',
    metadata: { name: 'tls-passthrough-with-certificates' },
    // No v1.7.0 rule forbids certificateRefs on a Passthrough TLS listener.
    spec: { gatewayClassName: 'portico', listeners: [{ name: 'tls', port: 443, protocol: 'TLS', tls: { mode: 'Passthrough', certificateRefs: [{ name: 'c' }] } }] },
  } as Fixture,
  {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name: 'replace-prefix-on-default-match' },
    // The rule needs one PathPrefix match: the defaulted `matches` provides it (rules run after defaulting).
    spec: { rules: [{ filters: [{ type: 'URLRewrite', urlRewrite: { path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/b' } } }] }] },
  } as Fixture,
  {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'GRPCRoute',
    metadata: { name: 'mixed-case-service' },
    spec: { rules: [{ matches: [{ method: { service: 'Foo.BarService', method: 'Get' } }] }] },
  } as Fixture,
];

const create = (kube: KubeApiServer, object: Fixture) =>
  kubeRequest(kube.kubeConfig, 'POST', `/apis/${object.apiVersion}/namespaces/default/${PLURALS[object.kind]}?dryRun=All`, object);

describeWithKube('CEL rules of the v1.7.0 CRDs on kube-apiserver', () => {
  let kube: KubeApiServer;

  beforeAll(async () => {
    kube = await startKubeApiServer();
    await installGatewayApiCrds(kube.kubeConfig, 60_000, V1_7_CRDS);
  }, 120_000);

  afterAll(async () => {
    await kube?.stop();
  });

  it.each(refused.map((o) => [`${o.kind} ${o.metadata.name}`, o] as const))('refuses %s with the expected error', async (_name, object) => {
    const { status, body } = await create(kube, object);
    expect(status).toBe(422);
    expect((body as { message: string }).message).toContain(object.metadata.annotations?.['portico.dev/expected-error']);
  });

  it.each(accepted.map((o) => [`${o.kind} ${o.metadata.name}`, o] as const))('accepts %s', async (_name, object) => {
    const { status, body } = await create(kube, object);
    expect({ status, body: status === 201 ? undefined : body }).toEqual({ status: 201, body: undefined });
  });
});
