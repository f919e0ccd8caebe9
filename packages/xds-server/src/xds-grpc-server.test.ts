/**
 * The gRPC server over real sockets (127.0.0.1): the wire codec, one state machine per call, the
 * client registry and metrics fed by the streams, the message size limit, graceful shutdown and
 * mutual TLS 1.3. The protocol rules themselves are tested on the state machines.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { connect } from 'node:http2';
import { join } from 'node:path';
import { credentials, status } from '@grpc/grpc-js';
import { Registry } from 'prom-client';
import { ADS_SERVICE, adsServiceDefinition } from './ads-service.js';
import { createTestAdsClient, type TestAdsClient } from './ads-test-client.test-util.js';
import { createSnapshotCache, type SnapshotCache } from './snapshot-cache.js';
import type { CachedResource } from './types.js';
import { createXdsGrpcServer, type XdsGrpcServer } from './xds-grpc-server.js';

const CDS = 'type.googleapis.com/envoy.config.cluster.v3.Cluster';
const LDS = 'type.googleapis.com/envoy.config.listener.v3.Listener';
const GATEWAY = 'default/eg';
const NODE = { id: 'envoy-1', cluster: GATEWAY, userAgentName: 'envoy', userAgentVersion: '1.36.0' };

function resource(name: string, bytes: Uint8Array, wildcard = true): CachedResource {
  return { name, version: `v-${name}-${bytes.length}-${bytes[0] ?? 0}`, bytes, wildcard };
}

async function startServer(cache: SnapshotCache, extra: Partial<Parameters<typeof createXdsGrpcServer>[0]> = {}) {
  const server = createXdsGrpcServer({ watcher: cache, address: '127.0.0.1:0', ...extra });
  const port = await server.start();
  return { server, port };
}

describe('xDS gRPC server', () => {
  let cache: SnapshotCache;
  let server: XdsGrpcServer;
  let client: TestAdsClient;
  const registry = new Registry();

  beforeAll(async () => {
    cache = createSnapshotCache({ bootId: 'test' });
    // Bytes that are no valid Cluster: the server must pass them through untouched, never re-encode.
    cache.setSnapshot(GATEWAY, new Map([[CDS, [resource('a', Uint8Array.from([0xff, 0x01, 0x02])), resource('b', Uint8Array.from([0xfe]))]]]));
    const started = await startServer(cache, { metrics: registry });
    server = started.server;
    client = createTestAdsClient(`127.0.0.1:${started.port}`);
  });

  afterAll(async () => {
    client.close();
    await server.shutdown(1_000);
  });

  it('serves a state-of-the-world stream: encoded bytes sent as they are cached, ACK and NACK recorded', async () => {
    const stream = client.sotw();
    stream.send({ node: NODE, typeUrl: CDS });
    const first = await stream.next();
    expect(first.typeUrl).toBe(CDS);
    expect(first.resources.map((r) => [r.typeUrl, [...r.value]])).toEqual([
      [CDS, [0xff, 0x01, 0x02]],
      [CDS, [0xfe]],
    ]);
    stream.send({ node: NODE, typeUrl: CDS, versionInfo: first.versionInfo, responseNonce: first.nonce });
    // Published only once the ACK is in: an ACK overtaken by a newer response has a stale nonce.
    await waitFor(() => server.clients()[0]?.types[CDS]?.ackedVersion);

    cache.setSnapshot(GATEWAY, new Map([[CDS, [resource('a', Uint8Array.from([0x07]))]]]));
    const second = await stream.next();
    expect(second.resources.map((r) => [...r.value])).toEqual([[0x07]]);
    stream.send({ node: NODE, typeUrl: CDS, versionInfo: first.versionInfo, responseNonce: second.nonce, errorDetail: { code: 3, message: 'cluster a: bad' } });

    await waitFor(() => server.clients().find((c) => c.types[CDS]?.lastNack));
    const [info] = server.clients();
    expect(info).toMatchObject({
      protocol: 'sotw',
      nodeId: 'envoy-1',
      gateway: GATEWAY,
      userAgent: 'envoy/1.36.0',
      types: { [CDS]: { ackedVersion: first.versionInfo, sentVersion: second.versionInfo, pushes: 2, nacks: 1, lastNack: { version: second.versionInfo, message: 'cluster a: bad' } } },
    });
    expect(info!.peer).toMatch(/127\.0\.0\.1/);

    const metrics = await registry.metrics();
    expect(metrics).toMatch(/portico_xds_connected_clients\{protocol="sotw"\} 1/);
    expect(metrics).toContain(`portico_xds_pushes_total{type_url="${CDS}"} 2`);
    expect(metrics).toContain(`portico_xds_nacks_total{type_url="${CDS}"} 1`);
    expect(metrics).toMatch(new RegExp(`portico_xds_push_duration_seconds_count\\{type_url="${CDS}"\\} [12]\n`));

    stream.end();
    expect((await stream.status).code).toBe(status.OK);
    await waitFor(() => server.clients().length === 0);
    expect(await registry.metrics()).toMatch(/portico_xds_connected_clients\{protocol="sotw"\} 0/);
  });

  it('a stream that ends before its first request leaves no trace', async () => {
    const stream = client.sotw();
    await waitFor(() => server.clients().length === 1);
    stream.cancel();
    await waitFor(() => server.clients().length === 0);
    expect(await registry.metrics()).toMatch(/portico_xds_connected_clients\{protocol="sotw"\} 0/);
  });

  it('serves a delta stream on the same server', async () => {
    const stream = client.delta();
    stream.send({ node: NODE, typeUrl: CDS });
    const first = await stream.next();
    expect(first.resources.map((r) => [r.name, [...r.resource.value]])).toEqual([['a', [0x07]]]);
    await waitFor(() => server.clients().some((c) => c.protocol === 'delta' && c.nodeId === 'envoy-1'));
    stream.cancel();
    await waitFor(() => server.clients().length === 0);
  });

  it('sends only the resource names a client asked for; non-wildcard resources only by name', async () => {
    cache.setSnapshot(GATEWAY, new Map([[LDS, [resource('gw/http', Uint8Array.from([1])), resource('echo.test:8080', Uint8Array.from([2]), false)]]]));
    const stream = client.sotw();
    stream.send({ node: NODE, typeUrl: LDS });
    expect((await stream.next()).resources.map((r) => [...r.value])).toEqual([[1]]);
    const named = client.sotw();
    named.send({ node: NODE, typeUrl: LDS, resourceNames: ['echo.test:8080'] });
    expect((await named.next()).resources.map((r) => [...r.value])).toEqual([[2]]);
    stream.cancel();
    named.cancel();
  });

  it('an unknown node cluster gets no config and is still listed', async () => {
    const stream = client.sotw();
    stream.send({ node: { id: 'stray', cluster: 'other/gw' }, typeUrl: CDS });
    await waitFor(() => server.clients().some((c) => c.nodeId === 'stray' && c.gateway === 'other/gw'));
    await expect(stream.next(300)).rejects.toThrow(/no response/);
    stream.cancel();
  });
});

describe('message size', () => {
  it('sends a response larger than gRPC’s 4 MiB default', async () => {
    const cache = createSnapshotCache();
    const big = new Uint8Array(6 * 1024 * 1024).fill(7);
    cache.setSnapshot(GATEWAY, new Map([[CDS, [resource('big', big)]]]));
    const { server, port } = await startServer(cache);
    const client = createTestAdsClient(`127.0.0.1:${port}`, credentials.createInsecure(), { 'grpc.max_receive_message_length': -1 });
    try {
      const stream = client.sotw();
      stream.send({ node: NODE, typeUrl: CDS });
      const response = await stream.next(10_000);
      expect(response.resources[0]!.value.length).toBe(big.length);
      stream.cancel();
    } finally {
      client.close();
      await server.shutdown(1_000);
    }
  });

  it('ends a stream whose response is over maxMessageBytes with RESOURCE_EXHAUSTED, as grpc-js does, both protocols', async () => {
    const cache = createSnapshotCache();
    cache.setSnapshot(GATEWAY, new Map([[CDS, [resource('big', new Uint8Array(4_096).fill(7))]]]));
    const { server, port } = await startServer(cache, { maxMessageBytes: 1_024 });
    const client = createTestAdsClient(`127.0.0.1:${port}`);
    try {
      const sotw = client.sotw();
      sotw.send({ node: NODE, typeUrl: CDS });
      expect(await sotw.status).toMatchObject({ code: status.RESOURCE_EXHAUSTED, details: expect.stringMatching(/Sent message larger than max/) });
      const delta = client.delta();
      delta.send({ node: NODE, typeUrl: CDS });
      expect(await delta.status).toMatchObject({ code: status.RESOURCE_EXHAUSTED, details: expect.stringMatching(/Sent message larger than max/) });
    } finally {
      client.close();
      await server.shutdown(1_000);
    }
  });
});

describe('graceful shutdown', () => {
  it('ends open streams with UNAVAILABLE, refuses new ones, and returns within the grace period', async () => {
    const cache = createSnapshotCache();
    cache.setSnapshot(GATEWAY, new Map([[CDS, [resource('a', Uint8Array.from([1]))]]]));
    const { server, port } = await startServer(cache);
    const client = createTestAdsClient(`127.0.0.1:${port}`);
    const stream = client.sotw();
    stream.send({ node: NODE, typeUrl: CDS });
    await stream.next();
    const started = Date.now();
    await server.shutdown(5_000);
    expect(Date.now() - started).toBeLessThan(4_000);
    expect(await stream.status).toMatchObject({ code: status.UNAVAILABLE });
    expect(server.clients()).toEqual([]);
    const late = client.sotw();
    late.send({ node: NODE, typeUrl: CDS });
    expect((await late.status).code).toBe(status.UNAVAILABLE);
    client.close();
  });

  it('forces the close when a stream cannot end within the grace period', async () => {
    // A raw HTTP/2 client that never reads: the response fills the stream's flow-control window,
    // so its final status can never be written and only the forced close ends the stream.
    const cache = createSnapshotCache();
    cache.setSnapshot(GATEWAY, new Map([[CDS, [resource('big', new Uint8Array(1024 * 1024).fill(1))]]]));
    const { server, port } = await startServer(cache);
    const session = connect(`http://127.0.0.1:${port}`);
    session.on('error', () => {});
    const call = session.request({
      ':method': 'POST',
      ':path': `/${ADS_SERVICE}/StreamAggregatedResources`,
      'content-type': 'application/grpc',
      te: 'trailers',
    });
    call.on('error', () => {});
    call.pause();
    const method = adsServiceDefinition().StreamAggregatedResources!;
    const message = method.requestSerialize({ node: NODE, typeUrl: CDS });
    const frame = Buffer.alloc(5 + message.length);
    frame.writeUInt32BE(message.length, 1);
    message.copy(frame, 5);
    call.write(frame);
    await waitFor(() => server.clients()[0]?.types[CDS]?.pushes === 1);
    const started = Date.now();
    await server.shutdown(300);
    const took = Date.now() - started;
    expect(took).toBeGreaterThanOrEqual(280);
    expect(took).toBeLessThan(3_000);
    expect(server.clients()).toEqual([]);
    session.destroy();
  });
});

describe('mutual TLS', () => {
  let dir: string;
  let pem: Record<'ca' | 'serverCert' | 'serverKey' | 'clientCert' | 'clientKey' | 'otherCert' | 'otherKey' | 'neighbourCert' | 'neighbourKey' | 'teamCert' | 'teamKey', string>;
  let server: XdsGrpcServer;
  let port: number;
  const denials: { gateway: string; identity: string; reason: string; protocol: string }[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'portico-mtls-'));
    pem = makeCertificates(dir);
    const cache = createSnapshotCache();
    cache.setSnapshot(GATEWAY, new Map([[CDS, [resource('a', Uint8Array.from([1]))]]]));
    cache.setSnapshot('default/other', new Map([[CDS, [resource('secret-of-other', Uint8Array.from([2]))]]]));
    ({ server, port } = await startServer(cache, {
      tls: { cert: pem.serverCert, key: pem.serverKey, ca: pem.ca },
      identity: { trustDomain: 'portico.test' },
      onDenied: (denial, stream) => denials.push({ ...denial, protocol: stream.protocol }),
    }));
  });

  afterAll(async () => {
    await server.shutdown(1_000);
    rmSync(dir, { recursive: true, force: true });
  });

  const tlsClient = (cert?: string, key?: string) =>
    createTestAdsClient(
      `127.0.0.1:${port}`,
      credentials.createSsl(Buffer.from(pem.ca), key ? Buffer.from(key) : null, cert ? Buffer.from(cert) : null),
      { 'grpc.ssl_target_name_override': 'xds.portico.test', 'grpc.default_authority': 'xds.portico.test' },
    );

  it('serves a client presenting a certificate signed by the CA, over TLS 1.3', async () => {
    const client = tlsClient(pem.clientCert, pem.clientKey);
    const stream = client.sotw();
    stream.send({ node: NODE, typeUrl: CDS });
    expect((await stream.next(10_000)).resources).toHaveLength(1);
    stream.cancel();
    client.close();
    // The handshake itself, seen from a plain TLS client: TLS 1.3 is what is negotiated.
    const version = await tlsVersion(port, pem, { minVersion: 'TLSv1.2' });
    expect(version).toBe('TLSv1.3');
  });

  it("ends a stream whose certificate names another gateway with PERMISSION_DENIED, before sending anything", async () => {
    const client = tlsClient(pem.neighbourCert, pem.neighbourKey);
    const sotw = client.sotw();
    sotw.send({ node: NODE, typeUrl: CDS });
    const refused = await sotw.status;
    expect(refused).toEqual({ code: status.PERMISSION_DENIED, details: expect.stringContaining("xDS client may not serve gateway 'default/eg'") });
    const delta = client.delta();
    delta.send({ node: NODE, typeUrl: CDS });
    expect((await delta.status).code).toBe(status.PERMISSION_DENIED);
    await expect(delta.next(200)).rejects.toThrow();
    expect(denials).toEqual([
      { gateway: GATEWAY, identity: 'spiffe://portico.test/ns/default/gateway/other', reason: "the certificate's identity does not cover gateway 'default/eg'", protocol: 'sotw' },
      { gateway: GATEWAY, identity: 'spiffe://portico.test/ns/default/gateway/other', reason: "the certificate's identity does not cover gateway 'default/eg'", protocol: 'delta' },
    ]);
    const text = await server.metrics.registry.metrics();
    expect(text).toContain('portico_xds_streams_denied_total{protocol="sotw"} 1');
    expect(text).toContain('portico_xds_streams_denied_total{protocol="delta"} 1');
    // The same certificate serves its own gateway.
    const own = client.sotw();
    own.send({ node: { ...NODE, cluster: 'default/other' }, typeUrl: CDS });
    expect((await own.next(10_000)).resources.map((r) => [...r.value])).toEqual([[2]]);
    own.cancel();
    client.close();
    expect(server.clients().filter((c) => c.gateway === GATEWAY)).toEqual([]);
    denials.length = 0;
  });

  it('checks the first request that carries a node, even when an earlier one carried none', async () => {
    const client = tlsClient(pem.neighbourCert, pem.neighbourKey);
    const delta = client.delta();
    delta.send({ typeUrl: CDS });
    delta.send({ node: NODE, typeUrl: LDS });
    expect((await delta.status).code).toBe(status.PERMISSION_DENIED);
    client.close();
    expect(denials.map((d) => d.gateway)).toEqual([GATEWAY]);
    denials.length = 0;
  });

  it('serves every gateway of its namespace to a namespace identity, and nothing else', async () => {
    const client = tlsClient(pem.teamCert, pem.teamKey);
    for (const gateway of [GATEWAY, 'default/other']) {
      const stream = client.delta();
      stream.send({ node: { ...NODE, cluster: gateway }, typeUrl: CDS });
      expect((await stream.next(10_000)).resources).toHaveLength(1);
      stream.cancel();
    }
    const foreign = client.delta();
    foreign.send({ node: { ...NODE, cluster: 'kube-system/eg' }, typeUrl: CDS });
    expect((await foreign.status).code).toBe(status.PERMISSION_DENIED);
    expect(denials.map((d) => d.identity)).toEqual(['spiffe://portico.test/ns/default/gateways']);
    client.close();
    denials.length = 0;
  });

  it('refuses a client without a certificate', async () => {
    const client = tlsClient();
    const stream = client.sotw();
    stream.send({ node: NODE, typeUrl: CDS });
    expect((await stream.status).code).toBe(status.UNAVAILABLE);
    client.close();
  });

  it('refuses a client whose certificate another CA signed', async () => {
    const client = tlsClient(pem.otherCert, pem.otherKey);
    const stream = client.sotw();
    stream.send({ node: NODE, typeUrl: CDS });
    expect((await stream.status).code).toBe(status.UNAVAILABLE);
    client.close();
  });

  it('refuses TLS 1.2', async () => {
    await expect(tlsVersion(port, pem, { maxVersion: 'TLSv1.2' })).rejects.toThrow();
  });
});

async function tlsVersion(port: number, pem: { ca: string; clientCert: string; clientKey: string }, versions: { minVersion?: 'TLSv1.2'; maxVersion?: 'TLSv1.2' }): Promise<string> {
  const tls = await import('node:tls');
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, servername: 'xds.portico.test', ca: pem.ca, cert: pem.clientCert, key: pem.clientKey, ALPNProtocols: ['h2'], ...versions }, () => {
      const protocol = socket.getProtocol();
      socket.destroy();
      resolve(protocol ?? 'unknown');
    });
    socket.on('error', reject);
    socket.setTimeout(5_000, () => socket.destroy(new Error('TLS handshake timed out')));
  });
}

/** A CA, a server certificate for xds.portico.test, a client certificate, and one from another CA. */
function makeCertificates(dir: string) {
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const ca = (name: string) => {
    openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2', '-subj', `/CN=${name}`, '-keyout', `${name}.key`, '-out', `${name}.crt`);
  };
  const leaf = (name: string, signer: string, ext: string) => {
    openssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-subj', `/CN=${name}`, '-keyout', `${name}.key`, '-out', `${name}.csr`);
    writeFileSync(join(dir, `${name}.ext`), ext);
    openssl('x509', '-req', '-in', `${name}.csr`, '-CA', `${signer}.crt`, '-CAkey', `${signer}.key`, '-CAcreateserial', '-days', '2', '-extfile', `${name}.ext`, '-out', `${name}.crt`);
  };
  ca('ca');
  ca('other-ca');
  leaf('server', 'ca', 'subjectAltName=DNS:xds.portico.test\nextendedKeyUsage=serverAuth\n');
  leaf('client', 'ca', 'subjectAltName=URI:spiffe://portico.test/ns/default/gateway/eg\nextendedKeyUsage=clientAuth\n');
  leaf('neighbour', 'ca', 'subjectAltName=URI:spiffe://portico.test/ns/default/gateway/other\nextendedKeyUsage=clientAuth\n');
  leaf('team', 'ca', 'subjectAltName=URI:spiffe://portico.test/ns/default/gateways\nextendedKeyUsage=clientAuth\n');
  leaf('other', 'other-ca', 'subjectAltName=URI:spiffe://portico.test/intruder\nextendedKeyUsage=clientAuth\n');
  const read = (file: string) => readFileSync(join(dir, file), 'utf8');
  return {
    ca: read('ca.crt'),
    serverCert: read('server.crt'),
    serverKey: read('server.key'),
    clientCert: read('client.crt'),
    clientKey: read('client.key'),
    otherCert: read('other.crt'),
    otherKey: read('other.key'),
    neighbourCert: read('neighbour.crt'),
    neighbourKey: read('neighbour.key'),
    teamCert: read('team.crt'),
    teamKey: read('team.key'),
  };
}

async function waitFor<T>(check: () => T, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
