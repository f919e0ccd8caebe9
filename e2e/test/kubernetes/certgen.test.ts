/**
 * `portico certgen` end to end: the certificates it writes are what an mTLS deployment needs (a CA
 * that signs both leaves, the Service names on the server certificate, serverAuth / clientAuth), and
 * they work: `portico serve --xds-tls-*` serves xDS to a gRPC client holding the gateway's identity
 * certificate (`--gateway`), and to a real Envoy (ENVOY_BIN) bootstrapped by `portico bootstrap --tls-*`
 * (isolation-xds-identity.test.ts covers the identity checks themselves), while a client without
 * one is refused. With a real API server, `--kubernetes` creates the four Secrets once and leaves them
 * alone on the next run. Runs the compiled CLI: `npx tsc -b` first when running this file alone.
 */
import { jest } from '@jest/globals';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { connect } from 'node:tls';
import { join } from 'node:path';
import { credentials } from '@grpc/grpc-js';
import { CoreV1Api } from '@kubernetes/client-node';
import { main } from '@portico/cli';
import { TYPE_URLS } from '@portico/envoy';
import { createDeltaClient } from '../support/delta-client.js';
import { describeWithKube, startKubeApiServer, type KubeApiServer } from '../support/kube/kube-apiserver.js';
import { freePort, PORTICO_BIN, startServeProcess, type ServeProcess } from '../support/serve-process.js';

jest.setTimeout(90_000);

const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';
const DAY_MS = 86_400_000;
const ENVOY = process.env.ENVOY_BIN;
/** Where `--gateway default/mtls` puts that gateway's client certificate. */
const IDENTITY = 'identities/ns/default/gateway/mtls';

function certgen(args: string[], env: NodeJS.ProcessEnv = {}) {
  const started = Date.now();
  const result = spawnSync(process.execPath, [PORTICO_BIN, 'certgen', ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 60_000 });
  return { ...result, ms: Date.now() - started };
}

const figures: Record<string, number> = {};
afterAll(() => console.log(`certgen figures: ${JSON.stringify(figures)}`));

describe('portico certgen --local', () => {
  let dir: string;
  const read = (file: string) => readFileSync(join(dir, file), 'utf8');

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'portico-certgen-e2e-'));
    const result = certgen(['--local', dir, '--namespace', 'portico-system', '--dns-name', 'xds.example.com', '--gateway', 'default/mtls']);
    expect(result.stderr + result.stdout).toMatch(/Issued: ca, server, client/);
    expect(result.status).toBe(0);
    figures.localFirstRunMs = result.ms;
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('makes a CA that signs a server and a client certificate, with the right names, usages and lifetimes', () => {
    const ca = new X509Certificate(read('ca.crt'));
    const server = new X509Certificate(read('server.crt'));
    const client = new X509Certificate(read('client.crt'));
    expect(ca.ca).toBe(true);
    expect(ca.verify(ca.publicKey)).toBe(true);
    for (const leaf of [server, client]) {
      expect(leaf.ca).toBe(false);
      expect(leaf.checkIssued(ca)).toBe(true);
      expect(leaf.verify(ca.publicKey)).toBe(true);
    }
    expect(server.subjectAltName).toBe(
      'DNS:portico, DNS:portico.portico-system, DNS:portico.portico-system.svc, DNS:portico.portico-system.svc.cluster.local, DNS:localhost, DNS:xds.example.com, IP Address:127.0.0.1',
    );
    expect(server.keyUsage).toEqual([SERVER_AUTH]);
    expect(client.keyUsage).toEqual([CLIENT_AUTH]);
    const days = (cert: X509Certificate) => Math.round((Date.parse(cert.validTo) - Date.now()) / DAY_MS);
    expect(days(ca)).toBe(5 * 365);
    expect(days(server)).toBe(365);
    expect(days(client)).toBe(365);
    expect(server.checkPrivateKey(createPrivateKey(read('server.key')))).toBe(true);
    expect(client.checkPrivateKey(createPrivateKey(read('client.key')))).toBe(true);
  });

  it('changes nothing on a second run', () => {
    const before = ['ca.crt', 'server.crt', 'client.crt', 'server.key'].map(read);
    const result = certgen(['--local', dir, '--namespace', 'portico-system', '--dns-name', 'xds.example.com', '--gateway', 'default/mtls']);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('Kept every certificate');
    expect(result.stdout).toContain('Identity spiffe://portico/ns/default/gateway/mtls: kept');
    expect(['ca.crt', 'server.crt', 'client.crt', 'server.key'].map(read)).toEqual(before);
    figures.localSecondRunMs = result.ms;
  });

  describe('with portico serve --xds-tls-*', () => {
    let serve: ServeProcess;
    let resources: string;
    let listenerPort: number;

    beforeAll(async () => {
      resources = mkdtempSync(join(tmpdir(), 'portico-certgen-resources-'));
      listenerPort = await freePort();
      writeFileSync(
        join(resources, 'gateway.yaml'),
        `apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: { name: portico }
spec: { controllerName: portico.dev/gateway-controller }
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: { name: mtls, namespace: default }
spec:
  gatewayClassName: portico
  listeners: [{ name: http, protocol: HTTP, port: ${listenerPort} }]
`,
      );
      serve = await startServeProcess({
        resources,
        extraArgs: ['--xds-tls-cert', join(dir, 'server.crt'), '--xds-tls-key', join(dir, 'server.key'), '--xds-tls-ca', join(dir, 'ca.crt')],
      });
      await serve.waitReady();
    });
    afterAll(async () => {
      await serve?.stop();
      rmSync(resources, { recursive: true, force: true });
    });

    const deltaListeners = async (channelCredentials: ReturnType<typeof credentials.createSsl>) => {
      const client = createDeltaClient(`127.0.0.1:${serve.xdsPort}`, channelCredentials);
      const stream = client.open();
      stream.send({ node: { id: 'certgen-e2e', cluster: 'default/mtls' }, typeUrl: TYPE_URLS.listener });
      try {
        return await stream.next(10_000);
      } finally {
        stream.end();
        client.close();
      }
    };

    it("serves xDS over mutual TLS to a client holding its gateway's certificate, by the names on the server certificate", async () => {
      const response = await deltaListeners(credentials.createSsl(Buffer.from(read('ca.crt')), Buffer.from(read(`${IDENTITY}/tls.key`)), Buffer.from(read(`${IDENTITY}/tls.crt`))));
      expect(response.resources.map((r) => r.name)).toEqual([expect.stringContaining(String(listenerPort))]);
    });

    it('refuses a client without a certificate, or with one the CA did not sign', async () => {
      const other = mkdtempSync(join(tmpdir(), 'portico-certgen-other-'));
      try {
        expect(certgen(['--local', other]).status).toBe(0);
        const otherFiles = { cert: readFileSync(join(other, 'client.crt'), 'utf8'), key: readFileSync(join(other, 'client.key'), 'utf8') };
        await expect(tlsHandshake(serve.xdsPort, read('ca.crt'))).rejects.toThrow(/certificate required/);
        await expect(tlsHandshake(serve.xdsPort, read('ca.crt'), otherFiles)).rejects.toThrow(/unknown ca|closed by the server/);
        await expect(tlsHandshake(serve.xdsPort, read('ca.crt'), { cert: read('client.crt'), key: read('client.key') })).resolves.toBe('TLSv1.3');
      } finally {
        rmSync(other, { recursive: true, force: true });
      }
    });

    (ENVOY ? it : it.skip)('connects a real Envoy bootstrapped with portico bootstrap --tls-*', async () => {
      const adminPort = await freePort();
      let bootstrap = '';
      const io = { stdout: { write: (chunk: string) => (bootstrap += chunk) }, stderr: { write: () => true }, readStdin: () => Promise.resolve('') };
      const args = ['bootstrap', '--gateway', 'default/mtls', '--xds-address', `127.0.0.1:${serve.xdsPort}`, '--admin-port', String(adminPort), '--node-id', 'certgen-envoy'];
      expect(await main([...args, '--tls-ca', join(dir, `${IDENTITY}/ca.crt`), '--tls-cert', join(dir, `${IDENTITY}/tls.crt`), '--tls-key', join(dir, `${IDENTITY}/tls.key`)], io)).toBe(0);
      const file = join(resources, 'envoy.yaml');
      writeFileSync(file, bootstrap);
      const started = Date.now();
      const envoy: ChildProcess = spawn(ENVOY!, ['-c', file, '--disable-hot-restart', '--log-level', 'warn'], { stdio: 'ignore' });
      try {
        const acked = await waitFor(async () => {
          const { body } = await serve.admin<{ clients: { nodeId?: string; types: Record<string, { ackedVersion?: string; nacks: number }> }[] }>('/debug/clients');
          const client = body.clients.find((c) => c.nodeId === 'certgen-envoy');
          return client?.types[TYPE_URLS.listener]?.ackedVersion ? client : undefined;
        }, 30_000);
        figures.envoyMtlsAckMs = Date.now() - started;
        expect(acked.types[TYPE_URLS.listener]!.nacks).toBe(0);
      } finally {
        envoy.kill('SIGTERM');
      }
    });
  });
});

describeWithKube('portico certgen --kubernetes against a real API server', () => {
  let server: KubeApiServer;
  const namespace = 'portico-system';
  const secrets = ['portico-xds-ca-key', 'portico-xds-ca', 'portico-xds-server', 'portico-envoy-client'];

  beforeAll(async () => {
    server = await startKubeApiServer({ namespaces: [namespace] });
  });
  afterAll(() => server?.stop());

  const versions = async () => {
    const api = server.kubeConfig.makeApiClient(CoreV1Api);
    return Promise.all(secrets.map(async (name) => (await api.readNamespacedSecret({ namespace, name })).metadata!.resourceVersion));
  };

  it('creates the four Secrets once, and leaves them on the next run', async () => {
    const first = certgen(['--kubernetes', '--namespace', namespace], { KUBECONFIG: server.kubeconfigPath });
    expect(first.stderr).not.toMatch(/PRIVATE KEY/);
    expect(first.status).toBe(0);
    expect(first.stdout).toContain(secrets.map((name) => `Secret ${namespace}/${name}: created\n`).join(''));
    figures.kubernetesFirstRunMs = first.ms;
    const created = await versions();

    const second = certgen(['--kubernetes', '--namespace', namespace], { KUBECONFIG: server.kubeconfigPath });
    expect(second.status).toBe(0);
    expect(second.stdout).toContain(secrets.map((name) => `Secret ${namespace}/${name}: unchanged\n`).join(''));
    expect(await versions()).toEqual(created);
    figures.kubernetesSecondRunMs = second.ms;

    const api = server.kubeConfig.makeApiClient(CoreV1Api);
    const data = async (name: string) => {
      const secret = await api.readNamespacedSecret({ namespace, name });
      return { type: secret.type, data: Object.fromEntries(Object.entries(secret.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')])) };
    };
    const ca = await data('portico-xds-ca');
    const serverSecret = await data('portico-xds-server');
    const client = await data('portico-envoy-client');
    expect(ca).toEqual({ type: 'Opaque', data: { 'ca.crt': expect.stringMatching(/^-----BEGIN CERTIFICATE-----/) } });
    expect(serverSecret.type).toBe('kubernetes.io/tls');
    expect(Object.keys(serverSecret.data).sort()).toEqual(['ca.crt', 'tls.crt', 'tls.key']);
    expect(client.data['ca.crt']).toBe(ca.data['ca.crt']);
    const caCert = new X509Certificate(ca.data['ca.crt']!);
    expect(new X509Certificate(serverSecret.data['tls.crt']!).checkIssued(caCert)).toBe(true);
    expect(new X509Certificate(client.data['tls.crt']!).checkIssued(caCert)).toBe(true);
  });
});

/**
 * A TLS handshake as an Envoy makes it; resolves with the protocol once the server has had its say on
 * the client certificate (TLS 1.3 sends that verdict after the client's handshake completes).
 */
function tlsHandshake(port: number, ca: string, client?: { cert: string; key: string }): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, servername: 'portico', ca, ALPNProtocols: ['h2'], ...client }, () => {
      setTimeout(() => {
        resolve(socket.getProtocol() ?? 'unknown');
        socket.destroy();
      }, 200);
    });
    socket.on('error', (error) => {
      socket.destroy();
      reject(error);
    });
    // Some refusals arrive as a bare close rather than an alert the client reports.
    socket.on('close', () => reject(new Error('closed by the server')));
    socket.setTimeout(5_000, () => socket.destroy(new Error('TLS handshake timed out')));
  });
}

async function waitFor<T>(check: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
