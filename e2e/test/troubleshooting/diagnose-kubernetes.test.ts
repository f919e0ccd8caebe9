/**
 * `portico diagnose --kubernetes` against a real kube-apiserver + etcd (support/kube/kube-apiserver.ts, not
 * the e2e cluster): the compiled CLI lists the watched kinds once through the Kubernetes provider,
 * translates them, reports a route whose backend is in another namespace without a ReferenceGrant, and
 * exits (the provider's watches are stopped). Skipped without ETCD_BIN / KUBE_APISERVER_BIN.
 *
 * Runs the compiled CLI (packages/cli/dist): run `npx tsc -b` before running this file alone.
 */
import { execFile } from 'node:child_process';
import { jest } from '@jest/globals';
import { describeWithKube, startKubeApiServer, type KubeApiServer } from '../support/kube/kube-apiserver.js';
import { PORTICO_BIN } from '../support/serve-process.js';

jest.setTimeout(180_000);

const GW = 'gateway.networking.k8s.io/v1';

function portico(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((ok) => {
    execFile(process.execPath, [PORTICO_BIN, ...args], { maxBuffer: 64 * 1024 * 1024, timeout: 90_000 }, (error, stdout, stderr) => {
      ok({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr });
    });
  });
}

describeWithKube('portico diagnose --kubernetes', () => {
  let kube: KubeApiServer;

  beforeAll(async () => {
    kube = await startKubeApiServer({ namespaces: ['apps', 'backends'] });
    await kube.installCrds();
    await kube.apply([
      { apiVersion: GW, kind: 'GatewayClass', metadata: { name: 'portico' }, spec: { controllerName: 'portico.dev/gateway-controller' } },
      { apiVersion: GW, kind: 'Gateway', metadata: { name: 'eg', namespace: 'apps' }, spec: { gatewayClassName: 'portico', listeners: [{ name: 'http', protocol: 'HTTP', port: 80 }] } },
      {
        apiVersion: GW,
        kind: 'HTTPRoute',
        metadata: { name: 'shop', namespace: 'apps' },
        spec: { parentRefs: [{ name: 'eg' }], rules: [{ backendRefs: [{ name: 'shop', namespace: 'backends', port: 80 }] }] },
      },
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'shop', namespace: 'backends' }, spec: { ports: [{ name: 'http', port: 80 }] } },
    ]);
  });

  afterAll(async () => {
    await kube?.stop();
  });

  it("reports the missing ReferenceGrant from the cluster's objects, and exits", async () => {
    const { code, stdout, stderr } = await portico(['diagnose', '--kubernetes', '--kubeconfig', kube.kubeconfigPath, '--gateway', 'apps/eg', '-o', 'json']);
    expect({ code, stderr }).toEqual({ code: 2, stderr: '' });
    const findings = JSON.parse(stdout).findings as { level: string; link: string; code: string; fix?: string }[];
    expect(findings).toContainEqual(expect.objectContaining({ level: 'OK', link: 'Route', code: 'Accepted' }));
    const missing = findings.find((f) => f.link === 'ReferenceGrant');
    expect(missing).toMatchObject({ level: 'FAIL', code: 'RefNotPermitted' });
    expect(missing!.fix).toContain('namespace: backends');
  });

  it('exits 3 when the cluster cannot be reached', async () => {
    const { code, stderr } = await portico(['diagnose', '--kubernetes', '--kubeconfig', '/nonexistent/kubeconfig']);
    expect(code).toBe(3);
    expect(stderr).toContain('cannot load the cluster credentials');
  });
});
