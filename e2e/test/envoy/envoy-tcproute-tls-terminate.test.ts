/**
 * TCPRoute on a TLS listener in Terminate mode through a real Envoy (`portico serve --run-envoy`, Envoy
 * from ENVOY_BIN): the client's TLS ends at the Gateway (listener *.example.com, certificate from a
 * Secret) and the decrypted bytes reach plain TCP backends (node:net servers that answer with their name
 * and the line they read, which they could not read through TLS).
 *
 * - two TCPRoutes on the listener: the older one carries every SNI of the listener's hostname, the
 *   newer one none (conformance TCPRouteMultipleRoutesAttachment's rule for TCP listeners);
 * - a TLSRoute for db.example.com on the same listener takes that more specific SNI;
 * - an SNI outside the listener's hostname has no filter chain: the handshake fails.
 *
 * Certificates come from the certgen helpers (@portico/server), made fresh for each run. Runs the
 * compiled CLI: `npx tsc -b` first when running this file alone. Skipped without ENVOY_BIN.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createNetServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { jest } from '@jest/globals';
import { issueCertificateAuthority, issueServerCertificate, type CertificateAndKey } from '@portico/server';
import { freePort, startServeProcess, type ServeProcess } from '../support/serve-process.js';
import { pollUntil } from '../support/wait.js';
import { loopbackServiceYaml } from '../support/loopback-service.js';

const ENVOY = process.env.ENVOY_BIN;
const describeWithEnvoy = ENVOY ? describe : describe.skip;

jest.setTimeout(120_000);

const BACKENDS = ['older', 'newer', 'db'] as const;
type BackendName = (typeof BACKENDS)[number];

const b64 = (text: string) => Buffer.from(text).toString('base64');

function resourcesYaml(port: number, serving: CertificateAndKey, backendPorts: Record<BackendName, number>): string {
  const service = (name: BackendName) => loopbackServiceYaml(name, backendPorts[name], { port: 7000, portName: 'tcp' });
  const route = (kind: 'TCPRoute' | 'TLSRoute', name: BackendName, created: string, hostnames = '') => `---
apiVersion: gateway.networking.k8s.io/v1
kind: ${kind}
metadata: { name: ${name}, namespace: default, creationTimestamp: "${created}" }
spec:
  parentRefs: [{ name: terminate, sectionName: tls }]${hostnames}
  rules:
  - backendRefs: [{ name: ${name}, port: 7000 }]
`;
  return `apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: { name: portico-tcp-terminate }
spec: { controllerName: portico.dev/gateway-controller }
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: { name: terminate, namespace: default }
spec:
  gatewayClassName: portico-tcp-terminate
  listeners:
  - name: tls
    protocol: TLS
    port: ${port}
    hostname: "*.example.com"
    tls:
      mode: Terminate
      certificateRefs: [{ name: serving }]
---
apiVersion: v1
kind: Secret
metadata: { name: serving, namespace: default }
type: kubernetes.io/tls
data:
  tls.crt: ${b64(serving.cert)}
  tls.key: ${b64(serving.key)}
${route('TCPRoute', 'older', '2025-01-01T00:00:00Z')}${route('TCPRoute', 'newer', '2025-06-01T00:00:00Z')}${route('TLSRoute', 'db', '2025-12-01T00:00:00Z', '\n  hostnames: [db.example.com]')}${BACKENDS.map(service).join('')}`;
}

/** One TLS exchange with SNI `servername`: sends a line, collects everything until the peer closes. */
function exchange(port: number, servername: string, ca: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let reply = '';
    const socket = connect({ host: '127.0.0.1', port, servername, ca, timeout: 10_000 }, () => socket.write('hello\n'));
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (reply += chunk));
    socket.on('end', () => resolve(reply));
    socket.on('timeout', () => socket.destroy(new Error('timed out')));
    socket.on('error', reject);
  });
}

const listen = (server: Server): Promise<number> =>
  new Promise((ok) => server.listen(0, '127.0.0.1', () => ok((server.address() as { port: number }).port)));

describeWithEnvoy('TCPRoute on a TLS listener in Terminate mode through a real Envoy', () => {
  let ca: CertificateAndKey;
  let dir: string;
  let port: number;
  let serve: ServeProcess | undefined;
  const servers: Server[] = [];
  const connections: Record<BackendName, number> = { older: 0, newer: 0, db: 0 };
  const figures: Record<string, number> = {};

  beforeAll(async () => {
    const started = Date.now();
    ca = issueCertificateAuthority();
    // example.org too, so that a refused handshake for it means Envoy has no chain, not a name mismatch.
    const serving = issueServerCertificate(ca, { dnsNames: ['*.example.com', '*.y.example.com', 'example.org'], ipAddresses: [] });
    const backendPorts = {} as Record<BackendName, number>;
    for (const name of BACKENDS) {
      // Plain TCP: it reads the client's line only if the Gateway decrypted it.
      const server = createNetServer((socket) => {
        connections[name]++;
        socket.setEncoding('utf8');
        socket.once('data', (line: string) => socket.end(`${name} got ${line.trim()}`));
        socket.on('error', () => socket.destroy());
      });
      servers.push(server);
      backendPorts[name] = await listen(server);
    }
    port = await freePort();
    dir = mkdtempSync(join(tmpdir(), 'portico-envoy-tcproute-terminate-'));
    writeFileSync(join(dir, 'resources.yaml'), resourcesYaml(port, serving, backendPorts));
    serve = await startServeProcess({ resources: dir, extraArgs: ['--run-envoy', '--log-level', 'info'], env: { ENVOY_BIN: ENVOY } });
    await serve.waitReady(30_000);
    await pollUntil('the TLS listener to reach a backend', async () => (await exchange(port, 'app.example.com', ca.cert).catch(() => '')) !== '', 45_000);
    figures.readyMs = Date.now() - started;
  });

  afterAll(async () => {
    if (serve) await serve.stop('SIGTERM', 20_000);
    await Promise.all(servers.map((s) => new Promise((ok) => s.close(() => ok(undefined)))));
    if (dir) rmSync(dir, { recursive: true, force: true });
    console.log(`envoy-tcproute-tls-terminate figures: ${JSON.stringify(figures)}`);
  });

  test('the Gateway terminates TLS and the oldest TCPRoute gets the decrypted stream for every SNI of the listener', async () => {
    for (const sni of ['app.example.com', 'x.y.example.com']) {
      expect(await exchange(port, sni, ca.cert)).toBe('older got hello');
    }
    expect(connections.newer).toBe(0);
  });

  test('a TLSRoute for a more specific SNI on the same listener takes it', async () => {
    expect(await exchange(port, 'db.example.com', ca.cert)).toBe('db got hello');
  });

  test('an SNI outside the listener hostname finds no filter chain: the handshake fails', async () => {
    await expect(exchange(port, 'example.org', ca.cert)).rejects.toThrow(/ECONNRESET|socket disconnected/);
  });

  test('both TCPRoutes and the TLSRoute are Accepted and counted on the listener', async () => {
    interface Status { kind: string; metadata: { name: string }; status?: { parents?: { conditions: { type: string; status: string }[] }[]; listeners?: { name: string; attachedRoutes: number; supportedKinds: { kind: string }[] }[] } }
    const { body } = await serve!.admin<{ objects: Status[] }>('/debug/status');
    const accepted = (name: string) => body.objects.find((o) => o.metadata.name === name && o.kind !== 'Service')?.status?.parents?.[0]?.conditions.find((c) => c.type === 'Accepted')?.status;
    expect(BACKENDS.map(accepted)).toEqual(['True', 'True', 'True']);
    const gateway = body.objects.find((o) => o.kind === 'Gateway' && o.metadata.name === 'terminate');
    expect(gateway?.status?.listeners?.map((l) => ({ name: l.name, attachedRoutes: l.attachedRoutes, kinds: l.supportedKinds.map((k) => k.kind) }))).toEqual([
      { name: 'tls', attachedRoutes: 3, kinds: ['TLSRoute', 'TCPRoute'] },
    ]);
  });
});
