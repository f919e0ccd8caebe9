/**
 * Client certificates through a real Envoy (`portico serve --run-envoy`, Envoy from ENVOY_BIN), both ways:
 *
 * - frontend (Gateway `spec.tls.frontend`, GEP-91): an HTTPS listener with the default validation
 *   (AllowValidOnly, CA from a ConfigMap) lets in a client whose certificate chains to that CA and
 *   refuses the handshake without a certificate or with one from another CA; the listener on the
 *   per-port override (AllowInsecureFallback, CA from a Secret) lets in all three;
 * - backend (Gateway `spec.tls.backend.clientCertificateRef`, GEP-3155): a node:https backend that
 *   requires a client certificate (BackendTLSPolicy gives the CA and hostname) answers through the
 *   Gateway, and reports the certificate Envoy presented, which is the Secret's; once the reference is
 *   removed from the Gateway, the backend refuses Envoy's connections (503).
 *
 * Certificates come from the certgen helpers (@portico/server), made fresh for each run. Runs the
 * compiled CLI: `npx tsc -b` first when running this file alone. Skipped without ENVOY_BIN.
 */
import { X509Certificate } from 'node:crypto';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer, request as httpsRequest } from 'node:https';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { jest } from '@jest/globals';
import { issueCertificateAuthority, issueClientCertificate, issueServerCertificate, type CertificateAndKey } from '@portico/server';
import { freePort, startServeProcess, type ServeProcess } from '../support/serve-process.js';
import { pollUntil } from '../support/wait.js';
import { loopbackServiceYaml } from '../support/loopback-service.js';

const ENVOY = process.env.ENVOY_BIN;
const describeWithEnvoy = ENVOY ? describe : describe.skip;

jest.setTimeout(120_000);

interface Pki {
  /** Signs the Gateway's serving certificate (what the test clients trust). */
  serverCa: CertificateAndKey;
  serving: CertificateAndKey;
  /** The default frontend validation's CA (ConfigMap) and a client it signed. */
  defaultCa: CertificateAndKey;
  defaultClient: CertificateAndKey;
  /** The per-port override's CA (Secret) and a client it signed. */
  portCa: CertificateAndKey;
  portClient: CertificateAndKey;
  /** The TLS backend: its serving certificate, and the CA it trusts for client certificates. */
  backendCa: CertificateAndKey;
  backendServing: CertificateAndKey;
  gatewayClientCa: CertificateAndKey;
  gatewayClient: CertificateAndKey;
}

function issuePki(): Pki {
  const serverCa = issueCertificateAuthority();
  const defaultCa = issueCertificateAuthority();
  const portCa = issueCertificateAuthority();
  const backendCa = issueCertificateAuthority();
  const gatewayClientCa = issueCertificateAuthority();
  return {
    serverCa,
    serving: issueServerCertificate(serverCa, { dnsNames: ['example.com', '*.example.com'], ipAddresses: [] }),
    defaultCa,
    defaultClient: issueClientCertificate(defaultCa),
    portCa,
    portClient: issueClientCertificate(portCa),
    backendCa,
    backendServing: issueServerCertificate(backendCa, { dnsNames: ['secure.example.com'], ipAddresses: [] }),
    gatewayClientCa,
    gatewayClient: issueClientCertificate(gatewayClientCa),
  };
}

const b64 = (text: string) => Buffer.from(text).toString('base64');
const indent = (text: string, spaces: number) => text.trimEnd().split('\n').map((l) => ' '.repeat(spaces) + l).join('\n');
const fingerprint = (pem: string) => new X509Certificate(pem).fingerprint256;

function gatewayYaml(ports: { valid: number; fallback: number; http: number }, withBackendCertificate: boolean): string {
  const backend = withBackendCertificate ? `
    backend:
      clientCertificateRef: { group: "", kind: Secret, name: gateway-client }` : '';
  return `apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: { name: portico-mtls }
spec: { controllerName: portico.dev/gateway-controller }
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: { name: mtls, namespace: default }
spec:
  gatewayClassName: portico-mtls
  tls:
    frontend:
      default:
        validation:
          caCertificateRefs: [{ group: "", kind: ConfigMap, name: default-client-ca }]
      perPort:
      - port: ${ports.fallback}
        tls:
          validation:
            mode: AllowInsecureFallback
            caCertificateRefs: [{ group: "", kind: Secret, name: port-client-ca }]${backend}
  listeners:
  - name: https
    protocol: HTTPS
    port: ${ports.valid}
    tls: { certificateRefs: [{ name: serving }] }
  - name: https-fallback
    protocol: HTTPS
    port: ${ports.fallback}
    tls: { certificateRefs: [{ name: serving }] }
  - name: http
    protocol: HTTP
    port: ${ports.http}
`;
}

function objectsYaml(pki: Pki, ports: { echo: number; backend: number }): string {
  const tlsSecret = (name: string, pair: CertificateAndKey) => `---
apiVersion: v1
kind: Secret
metadata: { name: ${name}, namespace: default }
type: kubernetes.io/tls
data:
  tls.crt: ${b64(pair.cert)}
  tls.key: ${b64(pair.key)}
`;
  const service = (name: string, port: number, targetPort: number) => loopbackServiceYaml(name, targetPort, { port, portName: 'p' });
  return `${tlsSecret('serving', pki.serving)}${tlsSecret('gateway-client', pki.gatewayClient)}---
apiVersion: v1
kind: ConfigMap
metadata: { name: default-client-ca, namespace: default }
data:
  ca.crt: |
${indent(pki.defaultCa.cert, 4)}
---
apiVersion: v1
kind: Secret
metadata: { name: port-client-ca, namespace: default }
data:
  ca.crt: ${b64(pki.portCa.cert)}
---
apiVersion: v1
kind: ConfigMap
metadata: { name: backend-ca, namespace: default }
data:
  ca.crt: |
${indent(pki.backendCa.cert, 4)}
${service('echo', 80, ports.echo)}${service('secure', 443, ports.backend)}---
apiVersion: gateway.networking.k8s.io/v1
kind: BackendTLSPolicy
metadata: { name: secure, namespace: default }
spec:
  targetRefs: [{ group: "", kind: Service, name: secure }]
  validation:
    caCertificateRefs: [{ group: "", kind: ConfigMap, name: backend-ca }]
    hostname: secure.example.com
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: routes, namespace: default }
spec:
  parentRefs: [{ name: mtls }]
  rules:
  - matches: [{ path: { type: PathPrefix, value: /secure } }]
    backendRefs: [{ name: secure, port: 443 }]
  - backendRefs: [{ name: echo, port: 80 }]
`;
}

/** One HTTPS request to 127.0.0.1:port with SNI example.com; rejects on a refused handshake. */
function httpsGet(pki: Pki, port: number, client: CertificateAndKey | undefined): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      {
        host: '127.0.0.1',
        port,
        path: '/',
        servername: 'example.com',
        headers: { host: 'example.com' },
        ca: pki.serverCa.cert,
        ...(client ? { cert: client.cert, key: client.key } : {}),
        agent: false,
        timeout: 10_000,
      },
      (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (body += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
        response.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end();
  });
}

async function httpGet(port: number, path: string): Promise<{ status: number; body: string }> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(10_000) });
  return { status: response.status, body: await response.text() };
}

function listen(server: Server): Promise<number> {
  return new Promise((ok) => server.listen(0, '127.0.0.1', () => ok((server.address() as { port: number }).port)));
}

function close(server: Server | undefined): Promise<void> {
  if (!server) return Promise.resolve();
  server.closeAllConnections();
  return new Promise((ok) => server.close(() => ok()));
}

describeWithEnvoy('client certificates through a real Envoy (Gateway spec.tls frontend and backend)', () => {
  let pki: Pki;
  let dir: string;
  let serve: ServeProcess | undefined;
  let echo: Server | undefined;
  let backend: Server | undefined;
  let ports: { valid: number; fallback: number; http: number };
  const figures: Record<string, number> = {};

  beforeAll(async () => {
    const started = Date.now();
    pki = issuePki();
    figures.pkiMs = Date.now() - started;
    echo = createHttpServer((request, response) => {
      request.resume();
      response.end('echo');
    });
    // The backend requires a client certificate from gatewayClientCa and answers with its fingerprint.
    backend = createHttpsServer({ cert: pki.backendServing.cert, key: pki.backendServing.key, ca: pki.gatewayClientCa.cert, requestCert: true, rejectUnauthorized: true }, (request, response) => {
      request.resume();
      const peer = (request.socket as TLSSocket).getPeerCertificate();
      response.end(`client ${peer.fingerprint256 ?? 'none'}`);
    });
    const [echoPort, backendPort] = [await listen(echo), await listen(backend)];
    ports = { valid: await freePort(), fallback: await freePort(), http: await freePort() };
    dir = mkdtempSync(join(tmpdir(), 'portico-envoy-mtls-'));
    writeFileSync(join(dir, '10-gateway.yaml'), gatewayYaml(ports, true));
    writeFileSync(join(dir, '20-objects.yaml'), objectsYaml(pki, { echo: echoPort, backend: backendPort }));
    serve = await startServeProcess({ resources: dir, extraArgs: ['--run-envoy', '--log-level', 'info'], env: { ENVOY_BIN: ENVOY } });
    await serve.waitReady(30_000);
    await pollUntil('the HTTPS listener to answer a valid client', async () => (await httpsGet(pki, ports.valid, pki.defaultClient)).status === 200, 45_000);
    await pollUntil('the HTTP listener to answer', async () => (await httpGet(ports.http, '/')).status === 200, 45_000);
    figures.readyMs = Date.now() - started;
  });

  afterAll(async () => {
    if (serve) await serve.stop('SIGTERM', 20_000);
    await Promise.all([close(echo), close(backend)]);
    if (dir) rmSync(dir, { recursive: true, force: true });
    console.log(`envoy-client-certificates figures: ${JSON.stringify(figures)}`);
  });

  test('AllowValidOnly: a certificate from the configured CA is let in; none, or one from another CA, is refused', async () => {
    expect(await httpsGet(pki, ports.valid, pki.defaultClient)).toEqual({ status: 200, body: 'echo' });
    await expect(httpsGet(pki, ports.valid, undefined)).rejects.toThrow();
    await expect(httpsGet(pki, ports.valid, pki.portClient)).rejects.toThrow();
  });

  test('AllowInsecureFallback on the per-port override: valid, missing and untrusted certificates are all let in', async () => {
    expect(await httpsGet(pki, ports.fallback, pki.portClient)).toEqual({ status: 200, body: 'echo' });
    expect(await httpsGet(pki, ports.fallback, undefined)).toEqual({ status: 200, body: 'echo' });
    expect(await httpsGet(pki, ports.fallback, pki.defaultClient)).toEqual({ status: 200, body: 'echo' });
  });

  test('Envoy presents the Gateway client certificate to a TLS backend that requires one, and nothing once it is removed', async () => {
    const answer = await httpGet(ports.http, '/secure');
    expect(answer).toEqual({ status: 200, body: `client ${fingerprint(pki.gatewayClient.cert)}` });

    writeFileSync(join(dir, '10-gateway.yaml'), gatewayYaml(ports, false));
    const edited = Date.now();
    // Without a client certificate the backend ends every handshake: Envoy answers 503. The modified
    // cluster warms until its (unchanged) ClusterLoadAssignment arrives, which the server resends
    // right after the cluster (xDS protocol, "Resource warming"; envoy-cluster-warming.test.ts).
    await pollUntil('the backend to refuse Envoy without a client certificate', async () => (await httpGet(ports.http, '/secure')).status === 503, 45_000);
    figures.removalMs = Date.now() - edited;
    // The frontend is unaffected by the edit.
    expect(await httpsGet(pki, ports.valid, pki.defaultClient)).toEqual({ status: 200, body: 'echo' });
  });

  test('no private key reaches the server log or the xDS dump', async () => {
    const keyLine = (pair: CertificateAndKey) => pair.key.split('\n')[1]!;
    const dump = JSON.stringify((await serve!.admin('/debug/xds')).body);
    for (const pair of [pki.gatewayClient, pki.serving]) {
      expect(serve!.tail(100_000)).not.toContain(keyLine(pair));
      expect(dump).not.toContain(keyLine(pair));
    }
  });
});
