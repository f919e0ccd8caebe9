/**
 * BackendTLSPolicy on a TLSRoute in Terminate mode through a real Envoy (`portico serve --run-envoy`,
 * Envoy from ENVOY_BIN), as conformance BackendTLSPolicyTLSRouteTerminate checks it:
 *
 * - the client's TLS (SNI tls.example.com) ends at the Gateway, and Envoy opens TLS again to a node:tls
 *   backend that accepts only SNI abc.example.com (the policy's hostname) and serves a certificate for
 *   that name signed by the policy's CA: the client gets the backend's reply, which names that SNI;
 * - a route whose policy names another CA: Envoy refuses the backend's certificate and the client's
 *   connection ends without a reply;
 * - a Passthrough listener to the same Service port forwards the client's own TLS untouched (no second
 *   TLS layer): a client speaking TLS with SNI abc.example.com reaches the backend directly.
 *
 * Certificates come from the certgen helpers (@portico/server), made fresh for each run. Runs the
 * compiled CLI: `npx tsc -b` first when running this file alone. Skipped without ENVOY_BIN.
 */
import { constants } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, createServer, type Server } from 'node:tls';
import { jest } from '@jest/globals';
import { issueCertificateAuthority, issueServerCertificate, type CertificateAndKey } from '@portico/server';
import { freePort, startServeProcess, type ServeProcess } from '../support/serve-process.js';
import { pollUntil } from '../support/wait.js';

const ENVOY = process.env.ENVOY_BIN;
const describeWithEnvoy = ENVOY ? describe : describe.skip;

jest.setTimeout(120_000);

const BACKEND_SNI = 'abc.example.com';

interface Pki {
  /** Signs the Gateway's serving certificate (what the test clients trust at the Gateway). */
  gatewayCa: CertificateAndKey;
  gatewayServing: CertificateAndKey;
  /** The BackendTLSPolicy's CA, which signed the backend's certificate. */
  policyCa: CertificateAndKey;
  backendServing: CertificateAndKey;
  /** A CA that signed nothing the backend presents. */
  otherCa: CertificateAndKey;
}

function issuePki(): Pki {
  const gatewayCa = issueCertificateAuthority();
  const policyCa = issueCertificateAuthority();
  return {
    gatewayCa,
    gatewayServing: issueServerCertificate(gatewayCa, { dnsNames: ['*.example.com'], ipAddresses: [] }),
    policyCa,
    backendServing: issueServerCertificate(policyCa, { dnsNames: [BACKEND_SNI], ipAddresses: [] }),
    otherCa: issueCertificateAuthority(),
  };
}

const b64 = (text: string) => Buffer.from(text).toString('base64');
const indent = (text: string, spaces: number) => text.trimEnd().split('\n').map((l) => ' '.repeat(spaces) + l).join('\n');

function resourcesYaml(pki: Pki, ports: { terminate: number; passthrough: number; backend: number }): string {
  // Two Services on the same backend, each with its own policy: `good` trusts the backend's CA,
  // `wrong-ca` another one. Port names match the policies' sectionName, as in the conformance test.
  const service = (name: string) => `---
apiVersion: v1
kind: Service
metadata: { name: ${name}, namespace: default }
spec:
  ports: [{ name: btls, protocol: TCP, port: 8443 }]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: ${name}-1
  namespace: default
  labels: { kubernetes.io/service-name: ${name} }
addressType: IPv4
ports: [{ name: btls, port: ${ports.backend} }]
endpoints:
- addresses: [127.0.0.1]
  conditions: { ready: true }
---
apiVersion: gateway.networking.k8s.io/v1
kind: BackendTLSPolicy
metadata: { name: ${name}, namespace: default }
spec:
  targetRefs: [{ group: "", kind: Service, name: ${name}, sectionName: btls }]
  validation:
    caCertificateRefs: [{ group: "", kind: ConfigMap, name: ${name}-ca }]
    hostname: ${BACKEND_SNI}
`;
  const ca = (name: string, pair: CertificateAndKey) => `---
apiVersion: v1
kind: ConfigMap
metadata: { name: ${name}, namespace: default }
data:
  ca.crt: |
${indent(pair.cert, 4)}
`;
  const route = (name: string, gatewaySection: string, hostname: string, backend: string) => `---
apiVersion: gateway.networking.k8s.io/v1
kind: TLSRoute
metadata: { name: ${name}, namespace: default }
spec:
  parentRefs: [{ name: btls, sectionName: ${gatewaySection} }]
  hostnames: [${hostname}]
  rules:
  - backendRefs: [{ name: ${backend}, port: 8443 }]
`;
  return `apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: { name: portico-btls-terminate }
spec: { controllerName: portico.dev/gateway-controller }
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: { name: btls, namespace: default }
spec:
  gatewayClassName: portico-btls-terminate
  listeners:
  - name: terminate
    protocol: TLS
    port: ${ports.terminate}
    tls: { mode: Terminate, certificateRefs: [{ name: serving }] }
  - name: passthrough
    protocol: TLS
    port: ${ports.passthrough}
    tls: { mode: Passthrough }
---
apiVersion: v1
kind: Secret
metadata: { name: serving, namespace: default }
type: kubernetes.io/tls
data:
  tls.crt: ${b64(pki.gatewayServing.cert)}
  tls.key: ${b64(pki.gatewayServing.key)}
${ca('good-ca', pki.policyCa)}${ca('wrong-ca-ca', pki.otherCa)}${service('good')}${service('wrong-ca')}${route('reencrypt', 'terminate', 'tls.example.com', 'good')}${route('reencrypt-wrong-ca', 'terminate', 'wrong.example.com', 'wrong-ca')}${route('passthrough', 'passthrough', BACKEND_SNI, 'good')}`;
}

/**
 * One TLS exchange with 127.0.0.1:port: sends a line, collects everything until the peer closes.
 * A connection that ends without a reply resolves with '' (how tcp_proxy closes after an upstream
 * failure); a reset resolves with '' too, since either way the client got nothing.
 */
function exchange(port: number, servername: string, ca: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let reply = '';
    const socket = connect({ host: '127.0.0.1', port, servername, ca, timeout: 10_000 }, () => socket.write('hello\n'));
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (reply += chunk));
    socket.on('end', () => resolve(reply));
    socket.on('timeout', () => socket.destroy(new Error('timed out')));
    socket.on('error', (error: NodeJS.ErrnoException) => (error.code === 'ECONNRESET' ? resolve(reply) : reject(error)));
  });
}

function listen(server: Server): Promise<number> {
  return new Promise((ok) => server.listen(0, '127.0.0.1', () => ok((server.address() as { port: number }).port)));
}

describeWithEnvoy('TLSRoute Terminate with a BackendTLSPolicy through a real Envoy', () => {
  let pki: Pki;
  let dir: string;
  let serve: ServeProcess | undefined;
  let backend: Server | undefined;
  let ports: { terminate: number; passthrough: number; backend: number };
  const refusedSni: string[] = [];
  const figures: Record<string, number> = {};

  beforeAll(async () => {
    const started = Date.now();
    pki = issuePki();
    // The backend completes a handshake only for SNI abc.example.com, then answers with the SNI it saw.
    // Without session tickets every connection is a full handshake: Envoy resumes TLS 1.2 sessions,
    // and a resumed session neither runs SNICallback nor reports the servername.
    backend = createServer({
      cert: pki.backendServing.cert,
      key: pki.backendServing.key,
      secureOptions: constants.SSL_OP_NO_TICKET,
      SNICallback: (servername, done) => {
        if (servername === BACKEND_SNI) return done(null);
        refusedSni.push(servername);
        done(new Error(`unexpected SNI ${servername}`));
      },
    }, (socket) => {
      socket.once('data', (line: Buffer) => socket.end(`backend sni=${socket.servername} got ${line.toString('utf8').trim()}`));
      socket.on('error', () => socket.destroy());
    });
    ports = { terminate: await freePort(), passthrough: await freePort(), backend: await listen(backend) };
    dir = mkdtempSync(join(tmpdir(), 'portico-envoy-btls-terminate-'));
    writeFileSync(join(dir, 'resources.yaml'), resourcesYaml(pki, ports));
    serve = await startServeProcess({ resources: dir, extraArgs: ['--run-envoy', '--log-level', 'info'], env: { ENVOY_BIN: ENVOY } });
    await serve.waitReady(30_000);
    // One configuration carries both listeners: once a route answers, every route is programmed.
    await pollUntil('the Terminate listener to reach the backend', async () => (await exchange(ports.terminate, 'tls.example.com', pki.gatewayCa.cert).catch(() => '')) !== '', 45_000);
    figures.readyMs = Date.now() - started;
  });

  afterAll(async () => {
    if (serve) await serve.stop('SIGTERM', 20_000);
    if (backend) await new Promise((ok) => backend!.close(() => ok(undefined)));
    if (dir) rmSync(dir, { recursive: true, force: true });
    console.log(`envoy-tlsroute-terminate-btls figures: ${JSON.stringify(figures)}`);
  });

  test('the Gateway terminates the client TLS and re-encrypts with the policy SNI, verifying the policy CA', async () => {
    expect(await exchange(ports.terminate, 'tls.example.com', pki.gatewayCa.cert)).toBe(`backend sni=${BACKEND_SNI} got hello`);
    expect(refusedSni).toEqual([]);
  });

  test('a policy with another CA: Envoy refuses the backend certificate and the client gets no reply', async () => {
    expect(await exchange(ports.terminate, 'wrong.example.com', pki.gatewayCa.cert)).toBe('');
    // The route still works: the failure is the wrong CA, not the configuration.
    expect(await exchange(ports.terminate, 'tls.example.com', pki.gatewayCa.cert)).toBe(`backend sni=${BACKEND_SNI} got hello`);
  });

  test('Passthrough to the same Service port forwards the client TLS without wrapping it again', async () => {
    // The client trusts the policy CA and speaks TLS with the backend itself.
    expect(await exchange(ports.passthrough, BACKEND_SNI, pki.policyCa.cert)).toBe(`backend sni=${BACKEND_SNI} got hello`);
  });

  test('both policies name the Gateway as their ancestor, Accepted and ResolvedRefs', async () => {
    interface Policy { kind: string; metadata: { name: string }; status?: { ancestors?: { ancestorRef: { name: string }; conditions: { type: string; status: string }[] }[] } }
    const { body } = await serve!.admin<{ objects: Policy[] }>('/debug/status');
    const policies = body.objects.filter((o) => o.kind === 'BackendTLSPolicy');
    expect(policies.map((p) => p.metadata.name).sort()).toEqual(['good', 'wrong-ca']);
    for (const policy of policies) {
      expect(policy.status?.ancestors?.map((a) => ({ gateway: a.ancestorRef.name, conditions: a.conditions.map((c) => `${c.type}=${c.status}`) }))).toEqual([
        { gateway: 'btls', conditions: ['Accepted=True', 'ResolvedRefs=True'] },
      ]);
    }
  });
});
