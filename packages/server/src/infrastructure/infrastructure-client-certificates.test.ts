/**
 * The manager with per-Gateway xDS client certificates (clientCertificates): each Gateway's Secret is
 * issued from certgen's CA with the Gateway's identity, mounted by its Deployment, kept across passes,
 * restarts and resyncs while good, reissued when the CA changes, and deleted with the Gateway.
 */
import { X509Certificate } from 'node:crypto';
import { KubeConfig, type KubernetesObject, type V1Deployment, type V1Secret } from '@kubernetes/client-node';
import { issueCertificateAuthority } from '../certgen/issue-certificates.js';
import { gateway, irWith } from './infrastructure-fixtures.test-util.js';
import { createInMemoryInfrastructureApi, type InMemoryInfrastructureApi } from './in-memory-infrastructure-api.test-util.js';
import { createInfrastructureManager, type InfrastructureManager, type ManagedGateway } from './infrastructure-manager.js';

const NAME = 'envoy-apps-demo-98ab5824';
const CA_SECRET = { namespace: 'portico-system', name: 'portico-xds-ca-key' };

function caSecret(ca = issueCertificateAuthority()): KubernetesObject {
  const data = { 'tls.crt': Buffer.from(ca.cert).toString('base64'), 'tls.key': Buffer.from(ca.key).toString('base64') };
  return { apiVersion: 'v1', kind: 'Secret', type: 'kubernetes.io/tls', metadata: { ...CA_SECRET, labels: { 'app.kubernetes.io/managed-by': 'portico-certgen' } }, data } as KubernetesObject;
}

/** The in-memory API server, holding certgen's CA Secret. */
const fakeApi = () => createInMemoryInfrastructureApi([caSecret()]);

const demo: [string, ManagedGateway] = ['apps/demo', { gateway: gateway(), ir: irWith(['HTTP-80']) }];
const messages: string[] = [];
const logger = { debug() {}, info: (m: string) => messages.push(m), warn() {}, error: (m: string) => messages.push(m) };

describe('per-Gateway xDS client certificates', () => {
  let manager: InfrastructureManager;
  afterEach(() => manager?.stop());
  const start = (api: InMemoryInfrastructureApi) =>
    (manager = createInfrastructureManager({
      kubeConfig: new KubeConfig(),
      logger,
      options: { xdsAddress: 'portico.infra.svc:18000', clientCertificates: { caSecret: CA_SECRET } },
      client: api.client,
    }));
  const secretOf = (api: InMemoryInfrastructureApi) => api.objects.get(`Secret/apps/${NAME}`) as V1Secret;
  const pem = (secret: V1Secret, key: string) => Buffer.from(secret.data![key]!, 'base64').toString('utf8');

  it("issues the Gateway's certificate from the CA, mounts it, and sends nothing more while it is good", async () => {
    const api = fakeApi();
    start(api);
    // 5 lists (Secrets included), 1 GET of the CA, 5 applies.
    expect(await manager.reconcile(new Map([demo]))).toMatchObject({ result: 'success', applied: 5, requests: 5 + 1 + 5 });
    const secret = secretOf(api);
    expect(secret.type).toBe('kubernetes.io/tls');
    const issued = pem(secret, 'tls.crt');
    const certificate = new X509Certificate(issued);
    expect(certificate.subjectAltName).toBe('URI:spiffe://portico/ns/apps/gateway/demo');
    const ca = pem(api.objects.get('Secret/portico-system/portico-xds-ca-key') as V1Secret, 'tls.crt');
    expect(certificate.checkIssued(new X509Certificate(ca))).toBe(true);
    expect(pem(secret, 'ca.crt')).toBe(ca);
    const pod = (api.objects.get(`Deployment/apps/${NAME}`) as V1Deployment).spec!.template;
    expect(pod.spec!.volumes).toContainEqual({ name: 'xds-tls', secret: { secretName: NAME, defaultMode: 0o440 } });
    expect(pod.metadata!.annotations!['portico.dev/xds-client-certificate-checksum']).toMatch(/^[0-9a-f]{16}$/);
    expect(messages).toContain('issued an xDS client certificate');

    expect(await manager.reconcile(new Map([demo]))).toMatchObject({ applied: 0, requests: 0 });
    // A resync re-reads the CA and lists; the certificate stays.
    expect(await manager.resync()).toMatchObject({ applied: 0, unchanged: 5, requests: 5 + 1 });
    expect(pem(secretOf(api), 'tls.crt')).toBe(issued);
  });

  it('keeps the stored certificate across a restart, reissues all under a new CA (rolling the pods), deletes it with the Gateway', async () => {
    const api = fakeApi();
    start(api);
    await manager.reconcile(new Map([demo]));
    const issued = pem(secretOf(api), 'tls.crt');
    manager.stop();
    start(api);
    expect(await manager.reconcile(new Map([demo]))).toMatchObject({ applied: 0, unchanged: 5 });
    expect(pem(secretOf(api), 'tls.crt')).toBe(issued);

    const checksum = () => (api.objects.get(`Deployment/apps/${NAME}`) as V1Deployment).spec!.template.metadata!.annotations!['portico.dev/xds-client-certificate-checksum'];
    const before = checksum();
    api.objects.set('Secret/portico-system/portico-xds-ca-key', caSecret());
    expect(await manager.resync()).toMatchObject({ applied: 2, unchanged: 3 });
    expect(pem(secretOf(api), 'tls.crt')).not.toBe(issued);
    expect(checksum()).not.toBe(before);

    expect(await manager.reconcile(new Map())).toMatchObject({ deleted: 5 });
    expect([...api.objects.keys()]).toEqual(['Secret/portico-system/portico-xds-ca-key']);
  });

  it('gives the IngressClass stand-in gateway the identity of its key, ingressclass/<class>', async () => {
    const api = fakeApi();
    start(api);
    const standIn = { ...gateway(), metadata: { namespace: 'ingressclass', name: 'portico' } };
    await manager.reconcile(new Map([['ingressclass/portico', { gateway: standIn, ir: irWith(['HTTP-80'], 'ingressclass/portico'), namespace: 'portico-system' }]]));
    const [secret] = [...api.objects.values()].filter((o) => o.kind === 'Secret' && o.metadata!.namespace === 'portico-system' && o.metadata!.name !== CA_SECRET.name) as V1Secret[];
    expect(new X509Certificate(pem(secret!, 'tls.crt')).subjectAltName).toBe('URI:spiffe://portico/ns/ingressclass/gateway/portico');
  });

  it('without the CA Secret, creates nothing for the Gateway and says why; once certgen has run, catches up', async () => {
    const api = fakeApi();
    api.objects.delete('Secret/portico-system/portico-xds-ca-key');
    start(api);
    messages.length = 0;
    expect(await manager.reconcile(new Map([demo]))).toMatchObject({ result: 'error', applied: 0 });
    expect(messages).toContain('cannot read the xDS CA: Envoy client certificates cannot be issued');
    expect([...api.objects.keys()]).toEqual([]);
    api.objects.set('Secret/portico-system/portico-xds-ca-key', caSecret());
    expect(await manager.reconcile(new Map([demo]))).toMatchObject({ result: 'success', applied: 5 });
  });
});
