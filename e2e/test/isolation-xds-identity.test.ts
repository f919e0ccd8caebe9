/**
 * Issue 12, finding "xDS hands out private keys": with mTLS, the one shared client certificate could
 * claim any gateway (`node.cluster`) and receive its TLS private keys over SDS. Now each client
 * certificate names what it may serve (`portico certgen --local DIR --gateway ns/name`,
 * `--gateway-namespace ns`), and `portico serve --xds-tls-*` ends any other claim with
 * PERMISSION_DENIED before sending anything, logging the claimed gateway and the certificate's
 * identity. Shown with real gRPC clients (both ADS protocols) and real Envoys (ENVOY_BIN): the
 * owner keeps getting its config and keys, the intruder gets nothing, before and after.
 * Runs the compiled CLI: `npx tsc -b` first when running this file alone.
 */
import { jest } from '@jest/globals';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, credentials, status } from '@grpc/grpc-js';
import { main } from '@portico/cli';
import { envoyProtos, TYPE_URLS } from '@portico/envoy';
import { createDeltaClient, type DeltaResponse } from './support/delta-client.js';
import { freePort, PORTICO_BIN, startServeProcess, type ServeProcess } from './support/serve-process.js';

jest.setTimeout(120_000);

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const ENVOY = process.env.ENVOY_BIN;
const GATEWAYS = ['team-a/web', 'team-a/admin', 'team-b/api'] as const;
const identityDir = (gateway: string) => `identities/ns/${gateway.split('/')[0]}/gateway/${gateway.split('/')[1]}`;
const TEAM_A = 'identities/ns/team-a/gateways';

const figures: Record<string, number> = {};
afterAll(() => console.log(`xDS identity figures: ${JSON.stringify(figures)}`));

let certs: string;
let resources: string;
let serve: ServeProcess;
const read = (file: string) => readFileSync(join(certs, file));

/** One HTTPS gateway per key, each with its own TLS Secret (the example key pair, renamed). */
function gatewayResources(ports: Record<string, number>): string {
  const example = readFileSync(join(ROOT, 'examples/60-tls-secret.yaml'), 'utf8');
  const data = example.slice(example.indexOf('\ndata:') + 1);
  const docs = ['apiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\nmetadata: { name: portico }\nspec: { controllerName: portico.dev/gateway-controller }'];
  for (const gateway of GATEWAYS) {
    const [namespace, name] = gateway.split('/');
    docs.push(`apiVersion: v1\nkind: Secret\nmetadata: { name: ${name}-tls, namespace: ${namespace} }\ntype: kubernetes.io/tls\n${data.trimEnd()}`);
    docs.push(
      `apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: { name: ${name}, namespace: ${namespace} }\nspec:\n  gatewayClassName: portico\n  listeners:\n` +
        `  - { name: https, protocol: HTTPS, port: ${ports[gateway]}, tls: { mode: Terminate, certificateRefs: [{ name: ${name}-tls }] } }`,
    );
  }
  return `${docs.join('\n---\n')}\n`;
}

const sslCredentials = (dir: string, file = 'tls') => credentials.createSsl(read('ca.crt'), read(`${dir}/${file}.key`), read(`${dir}/${file}.crt`));
const sharedCredentials = () => credentials.createSsl(read('ca.crt'), read('client.key'), read('client.crt'));

/** The SDS secret names of a gateway, from /debug/xds (key material redacted there). */
async function secretNames(gateway: string): Promise<string[]> {
  const { body } = await serve.admin<{ xds: Record<string, { secrets: { dynamicActiveSecrets?: { name: string }[] } }> }>(`/debug/xds?gateway=${gateway}`);
  return (body.xds[gateway]?.secrets.dynamicActiveSecrets ?? []).map((s) => s.name);
}

/** A delta ADS stream subscribing to the SDS secrets of `gateway` by name (SDS has no wildcard): its first response. */
async function fetchSecrets(gateway: string, channel: ReturnType<typeof credentials.createSsl>) {
  const names = await secretNames(gateway);
  expect(names.length).toBeGreaterThan(0);
  const client = createDeltaClient(`127.0.0.1:${serve.xdsPort}`, channel);
  const stream = client.open();
  stream.send({ node: { id: `probe-${gateway}`, cluster: gateway }, typeUrl: TYPE_URLS.secret, resourceNamesSubscribe: names });
  try {
    return await stream.next(15_000);
  } finally {
    stream.end();
    client.close();
  }
}

/** One raw call of either ADS protocol, to read its final status. */
async function adsCall(method: 'StreamAggregatedResources' | 'DeltaAggregatedResources', gateway: string, channel: ReturnType<typeof credentials.createSsl>) {
  const names = await secretNames(gateway);
  const client = new Client(`127.0.0.1:${serve.xdsPort}`, channel);
  const requestType = envoyProtos().lookupType(`envoy.service.discovery.v3.${method === 'DeltaAggregatedResources' ? 'Delta' : ''}DiscoveryRequest`);
  const call = client.makeBidiStreamRequest(
    `/envoy.service.discovery.v3.AggregatedDiscoveryService/${method}`,
    (request: object) => Buffer.from(requestType.encode(requestType.fromObject(request)).finish()),
    (bytes: Buffer) => bytes,
  );
  const responses: Buffer[] = [];
  call.on('data', (bytes: Buffer) => responses.push(bytes));
  const ended = new Promise<{ code: number; details: string }>((ok) => call.on('status', (s) => ok({ code: s.code, details: s.details })));
  call.on('error', () => {});
  const node = { id: `raw-${gateway}`, cluster: gateway };
  call.write(
    method === 'DeltaAggregatedResources'
      ? { node, typeUrl: TYPE_URLS.secret, resourceNamesSubscribe: names }
      : { node, typeUrl: TYPE_URLS.secret, resourceNames: names },
  );
  return {
    ended: ended.then((s) => ({ ...s, responses: responses.length })),
    close: () => {
      call.cancel();
      client.close();
    },
  };
}

const privateKeyIn = (response: DeltaResponse) => response.resources.some((r) => Buffer.from(r.value).includes('PRIVATE KEY'));

beforeAll(async () => {
  certs = mkdtempSync(join(tmpdir(), 'portico-identity-certs-'));
  resources = mkdtempSync(join(tmpdir(), 'portico-identity-resources-'));
  const started = Date.now();
  const result = spawnSync(process.execPath, [PORTICO_BIN, 'certgen', '--local', certs, ...GATEWAYS.flatMap((g) => ['--gateway', g]), '--gateway-namespace', 'team-a'], { encoding: 'utf8', timeout: 60_000 });
  expect(result.stderr + result.stdout).toContain('Identity spiffe://portico/ns/team-a/gateways: issued');
  expect(result.status).toBe(0);
  figures.certgenMs = Date.now() - started;
  const ports = Object.fromEntries(await Promise.all(GATEWAYS.map(async (g) => [g, await freePort()] as const)));
  writeFileSync(join(resources, 'gateways.yaml'), gatewayResources(ports));
  serve = await startServeProcess({ resources, extraArgs: ['--xds-tls-cert', join(certs, 'server.crt'), '--xds-tls-key', join(certs, 'server.key'), '--xds-tls-ca', join(certs, 'ca.crt')] });
  await serve.waitReady();
});

afterAll(async () => {
  await serve?.stop();
  rmSync(certs, { recursive: true, force: true });
  rmSync(resources, { recursive: true, force: true });
});

describe('xDS identity over mTLS, real gRPC clients', () => {
  it("gives a gateway's own certificate its SDS secrets, private key included", async () => {
    const response = (await fetchSecrets('team-a/web', sslCredentials(identityDir('team-a/web'))));
    expect(response.typeUrl).toBe(TYPE_URLS.secret);
    expect(response.resources.length).toBeGreaterThan(0);
    expect(privateKeyIn(response)).toBe(true);
  });

  it.each(['StreamAggregatedResources', 'DeltaAggregatedResources'] as const)(
    "refuses gateway A's certificate claiming gateway B (%s): PERMISSION_DENIED, nothing sent, a log line naming both",
    async (method) => {
      const call = await adsCall(method, 'team-b/api', sslCredentials(identityDir('team-a/web')));
      const ended = await call.ended;
      call.close();
      expect(ended).toEqual({ code: status.PERMISSION_DENIED, details: expect.stringContaining("xDS client may not serve gateway 'team-b/api'"), responses: 0 });
      const line = await waitFor(async () =>
        serve.logs().find((l): l is Record<string, unknown> => typeof l === 'object' && l.gateway === 'team-b/api' && l.identity === 'spiffe://portico/ns/team-a/gateway/web'),
      );
      expect(line).toMatchObject({ level: 'warn', message: 'xDS stream refused: the client certificate may not serve the gateway it claims' });
      expect(JSON.stringify(serve.logs())).not.toContain('PRIVATE KEY');
    },
  );

  it('serves a namespace identity every gateway of its namespace, and refuses the others', async () => {
    for (const gateway of ['team-a/web', 'team-a/admin']) {
      const response = (await fetchSecrets(gateway, sslCredentials(TEAM_A)));
      expect(privateKeyIn(response)).toBe(true);
    }
    const call = await adsCall('DeltaAggregatedResources', 'team-b/api', sslCredentials(TEAM_A));
    expect(await call.ended).toMatchObject({ code: status.PERMISSION_DENIED, responses: 0 });
    call.close();
  });

  it('refuses the shared client certificate of earlier versions, secure by default', async () => {
    const call = await adsCall('DeltaAggregatedResources', 'team-a/web', sharedCredentials());
    expect(await call.ended).toMatchObject({ code: status.PERMISSION_DENIED, details: expect.stringContaining('--xds-allow-shared-client-certificate'), responses: 0 });
    call.close();
  });

  it('measures the cost of the check: stream set-up with an identity certificate', async () => {
    const rounds = 20;
    const started = performance.now();
    for (let i = 0; i < rounds; i++) {
      const response = (await fetchSecrets('team-a/web', sslCredentials(identityDir('team-a/web'))));
      expect(response.resources.length).toBeGreaterThan(0);
    }
    figures.connectAndFirstSdsResponseMs = Math.round(((performance.now() - started) / rounds) * 10) / 10;
  });
});

describe('compatibility mode (--xds-allow-shared-client-certificate)', () => {
  it('lets the shared certificate claim any gateway, and still refuses a wrong identity', async () => {
    const compat = await startServeProcess({
      resources,
      extraArgs: ['--xds-tls-cert', join(certs, 'server.crt'), '--xds-tls-key', join(certs, 'server.key'), '--xds-tls-ca', join(certs, 'ca.crt'), '--xds-allow-shared-client-certificate'],
    });
    const main = serve;
    try {
      await compat.waitReady();
      serve = compat;
      expect(compat.logs().some((l) => typeof l === 'object' && String(l.message).startsWith('xDS compatibility mode'))).toBe(true);
      expect(privateKeyIn((await fetchSecrets('team-b/api', sharedCredentials())))).toBe(true);
      const call = await adsCall('DeltaAggregatedResources', 'team-b/api', sslCredentials(identityDir('team-a/web')));
      expect(await call.ended).toMatchObject({ code: status.PERMISSION_DENIED });
      call.close();
    } finally {
      serve = main;
      await compat.stop();
    }
  });
});

(ENVOY ? describe : describe.skip)('real Envoys', () => {
  const envoys: ChildProcess[] = [];
  afterAll(() => envoys.forEach((envoy) => envoy.kill('SIGTERM')));

  async function startEnvoy(gateway: string, identity: string, nodeId: string): Promise<void> {
    const adminPort = await freePort();
    let bootstrap = '';
    const io = { stdout: { write: (chunk: string) => (bootstrap += chunk) }, stderr: { write: () => true }, readStdin: () => Promise.resolve('') };
    const args = ['bootstrap', '--gateway', gateway, '--xds-address', `127.0.0.1:${serve.xdsPort}`, '--admin-port', String(adminPort), '--node-id', nodeId];
    const tls = ['--tls-ca', join(certs, 'ca.crt'), '--tls-cert', join(certs, identity, 'tls.crt'), '--tls-key', join(certs, identity, 'tls.key')];
    expect(await main([...args, ...tls], io)).toBe(0);
    // Not in the watched resources folder: the file provider would report it as a broken object.
    const file = join(certs, `${nodeId}.envoy.yaml`);
    writeFileSync(file, bootstrap);
    envoys.push(spawn(ENVOY!, ['-c', file, '--disable-hot-restart', '--log-level', 'warn'], { stdio: 'ignore' }));
  }

  type Clients = { clients: { nodeId?: string; gateway?: string; types: Record<string, { ackedVersion?: string; nacks: number }> }[] };
  const clientOf = async (nodeId: string) => (await serve.admin<Clients>('/debug/clients')).body.clients.find((c) => c.nodeId === nodeId);

  it("an Envoy with gateway A's certificate claiming gateway B gets nothing; B's own Envoy, started before and after, gets B's listeners and keys", async () => {
    await startEnvoy('team-b/api', identityDir('team-b/api'), 'owner-before');
    const started = Date.now();
    await startEnvoy('team-b/api', identityDir('team-a/web'), 'intruder');
    await startEnvoy('team-b/api', identityDir('team-b/api'), 'owner-after');
    for (const owner of ['owner-before', 'owner-after']) {
      const acked = await waitFor(async () => {
        const client = await clientOf(owner);
        return client?.types[TYPE_URLS.listener]?.ackedVersion && client.types[TYPE_URLS.secret]?.ackedVersion ? client : undefined;
      });
      expect(acked.gateway).toBe('team-b/api');
      expect(acked.types[TYPE_URLS.secret]!.nacks).toBe(0);
    }
    const refused = await waitFor(async () =>
      serve.logs().find((l): l is Record<string, unknown> => typeof l === 'object' && l.gateway === 'team-b/api' && l.identity === 'spiffe://portico/ns/team-a/gateway/web' && l.level === 'warn'),
    );
    figures.envoyRefusedAfterMs = Date.now() - started;
    expect(refused.reason).toBe("the certificate's identity does not cover gateway 'team-b/api'");
    expect(await clientOf('intruder')).toBeUndefined();
  });
});

async function waitFor<T>(check: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms\n${serve.tail(30)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
