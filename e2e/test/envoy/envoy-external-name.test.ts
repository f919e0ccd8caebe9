/**
 * ExternalName Services as backends through a real Envoy (ENVOY_BIN): `portico serve
 * --allow-external-name-services --allow-external-name-loopback` turns a Service whose
 * `spec.externalName` is `localhost` into a LOGICAL_DNS cluster, Envoy resolves the name itself
 * (RFC 6761: localhost is loopback, no hosts-file edit or DNS server needed) and reaches a node
 * server on 127.0.0.1 through it:
 * - HTTPRoute: the request arrives with the client's Host header (as through any Service), or the
 *   one a URLRewrite filter sets; the Service declares no ports, so the backendRef's port is used.
 * - TCPRoute: the byte stream goes through tcp_proxy to the same kind of cluster.
 * - An ExternalName that is an IP address stays refused even then: ResolvedRefs=False
 *   UnsupportedValue, and its requests answer 500.
 * Loopback names are refused without --allow-external-name-loopback (goldens in
 * testdata/translator/external-names-allowed/); this test allows them explicitly, which is what lets
 * a single host test the path honestly. Envoy NACKs nothing. Runs the compiled CLI: `npx tsc -b` first.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { connect, createServer as createTcpServer, type Server as TcpServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jest } from '@jest/globals';
import { startEnvoy, type EnvoyProcess } from '../support/envoy-process.js';
import { nacksSeenByPortico, routeConditions } from '../support/isolation-status.js';
import { getWithHost, pollFor } from '../support/isolation-traffic.js';
import { freePort, startServeProcess, type ServeProcess } from '../support/serve-process.js';

const ENVOY = process.env.ENVOY_BIN;
const describeWithEnvoy = ENVOY ? describe : describe.skip;

jest.setTimeout(60_000);

function resourcesYaml(httpPort: number, tcpPort: number, backendHttpPort: number, backendTcpPort: number): string {
  return `apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: { name: portico-external-name }
spec: { controllerName: portico.dev/gateway-controller }
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: { name: gw, namespace: default }
spec:
  gatewayClassName: portico-external-name
  listeners:
  - { name: http, protocol: HTTP, port: ${httpPort} }
  - { name: tcp, protocol: TCP, port: ${tcpPort} }
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: external, namespace: default }
spec:
  parentRefs: [{ name: gw, sectionName: http }]
  hostnames: [external.example.com]
  rules:
  - matches: [{ path: { type: PathPrefix, value: /rewritten } }]
    filters: [{ type: URLRewrite, urlRewrite: { hostname: backend.example.org } }]
    backendRefs: [{ name: local-http, port: ${backendHttpPort} }]
  - backendRefs: [{ name: local-http, port: ${backendHttpPort} }]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: by-ip, namespace: default }
spec:
  parentRefs: [{ name: gw, sectionName: http }]
  hostnames: [by-ip.example.com]
  rules:
  - backendRefs: [{ name: by-ip, port: ${backendHttpPort} }]
---
apiVersion: gateway.networking.k8s.io/v1
kind: TCPRoute
metadata: { name: external-tcp, namespace: default }
spec:
  parentRefs: [{ name: gw, sectionName: tcp }]
  rules:
  - backendRefs: [{ name: local-tcp, port: ${backendTcpPort} }]
---
apiVersion: v1
kind: Service
metadata: { name: local-http, namespace: default }
spec: { type: ExternalName, externalName: localhost }
---
apiVersion: v1
kind: Service
metadata: { name: local-tcp, namespace: default }
spec:
  type: ExternalName
  externalName: localhost.
  ports: [{ name: tcp, port: ${backendTcpPort} }]
---
apiVersion: v1
kind: Service
metadata: { name: by-ip, namespace: default }
spec: { type: ExternalName, externalName: 127.0.0.1 }
`;
}

/** One TCP round trip through the gateway: what comes back for `message`. */
function tcpRoundTrip(port: number, message: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let received = '';
    socket.setTimeout(5_000, () => socket.destroy());
    socket.on('connect', () => socket.write(message));
    socket.on('data', (chunk) => {
      received += chunk.toString('utf8');
      if (received.length >= message.length) socket.end();
    });
    socket.on('close', () => resolve(received));
    socket.on('error', () => resolve(received));
  });
}

describeWithEnvoy('ExternalName Services through a real Envoy', () => {
  let dir: string;
  let httpBackend: HttpServer;
  let tcpBackend: TcpServer;
  let serve: ServeProcess;
  let envoy: EnvoyProcess;
  let httpPort: number;
  let tcpPort: number;
  const context = () => `portico:\n${serve?.tail(30)}\nenvoy:\n${envoy?.tail(20)}`;

  beforeAll(async () => {
    // The HTTP backend answers with the Host header it was sent; the TCP one echoes with a prefix.
    httpBackend = createHttpServer((request, response) => {
      request.resume();
      response.end(`host=${request.headers.host}`);
    });
    tcpBackend = createTcpServer((socket) => socket.on('data', (chunk) => socket.write(`echo:${chunk.toString('utf8')}`)));
    await new Promise<void>((ok) => httpBackend.listen(0, '127.0.0.1', ok));
    await new Promise<void>((ok) => tcpBackend.listen(0, '127.0.0.1', ok));
    const backendHttpPort = (httpBackend.address() as { port: number }).port;
    const backendTcpPort = (tcpBackend.address() as { port: number }).port;
    [httpPort, tcpPort] = [await freePort(), await freePort()];
    dir = mkdtempSync(join(tmpdir(), 'portico-external-name-'));
    writeFileSync(join(dir, 'resources.yaml'), resourcesYaml(httpPort, tcpPort, backendHttpPort, backendTcpPort));
    serve = await startServeProcess({ resources: dir, extraArgs: ['--allow-external-name-services', '--allow-external-name-loopback'] });
    await serve.waitReady(30_000);
    envoy = await startEnvoy({ gateway: 'default/gw', xdsPort: serve.xdsPort, nodeId: 'external-name' });
  });

  afterAll(async () => {
    await envoy?.stop();
    await serve?.stop('SIGTERM', 20_000);
    httpBackend?.closeAllConnections();
    await new Promise((ok) => (httpBackend ? httpBackend.close(ok) : ok(undefined)));
    await new Promise((ok) => (tcpBackend ? tcpBackend.close(ok) : ok(undefined)));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('HTTPRoute: Envoy resolves the external name and the request keeps the client\'s Host header', async () => {
    const answer = await pollFor('a 200 through the ExternalName backend', async () => {
      const a = await getWithHost(httpPort, '/', 'external.example.com');
      return a.status === 200 ? a : undefined;
    }, context);
    expect(answer.body).toBe('host=external.example.com');
    const clusters = await (await fetch(`http://127.0.0.1:${envoy.adminPort}/config_dump?resource=dynamic_active_clusters`)).json() as { configs: { cluster: { name: string; type?: string } }[] };
    expect(clusters.configs.map((c) => c.cluster).filter((c) => c.name.startsWith('default/local-'))).toEqual([
      expect.objectContaining({ name: expect.stringMatching(/^default\/local-http\/\d+\/http$/), type: 'LOGICAL_DNS' }),
      expect.objectContaining({ name: expect.stringMatching(/^default\/local-tcp\/\d+\/tcp$/), type: 'LOGICAL_DNS' }),
    ]);
  });

  test('HTTPRoute with a URLRewrite hostname: the backend gets the rewritten Host', async () => {
    expect(await getWithHost(httpPort, '/rewritten', 'external.example.com')).toEqual({ status: 200, body: 'host=backend.example.org' });
  });

  test('TCPRoute: the stream reaches the TCP server behind the external name', async () => {
    const echoed = await pollFor('a TCP echo through the ExternalName backend', async () => {
      const answer = await tcpRoundTrip(tcpPort, 'ping');
      return answer === 'echo:ping' ? answer : undefined;
    }, context);
    expect(echoed).toBe('echo:ping');
  });

  test('an ExternalName that is an IP address stays refused: ResolvedRefs=False UnsupportedValue, 500', async () => {
    expect((await routeConditions(serve, 'default', 'by-ip'))?.ResolvedRefs).toMatchObject({ status: 'False', reason: 'UnsupportedValue' });
    expect((await getWithHost(httpPort, '/', 'by-ip.example.com')).status).toBe(500);
    expect(await envoy.rejectedUpdates()).toBe(0);
    expect(await nacksSeenByPortico(serve)).toBe(0);
  });
});
