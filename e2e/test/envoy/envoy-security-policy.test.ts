/**
 * SecurityPolicy (gateway.portico.dev/v1alpha1) through a real Envoy (ENVOY_BIN): `portico serve` on a
 * folder with one Gateway, an HTTPRoute whose named rules each carry a rule-level policy, and another
 * HTTPRoute with none. Every client is 127.0.0.1.
 * - IP lists: a rule denying 127.0.0.0/8 answers 403 while the other route answers 200; a rule allowing
 *   only 127.0.0.1/32 answers 200; one allowing only 10.0.0.0/8 answers 403, and an X-Forwarded-For
 *   claiming 10.1.2.3 does not change that (the edge trusts no forwarded hop).
 * - Basic auth (htpasswd SHA-1 from a Secret): right 200 (user name forwarded), wrong or missing 401.
 * - JWT (RS256, key pair made here): local JWKS and remote JWKS (served through a Service, fetched and
 *   cached by Envoy): a valid token 200 (its `sub` copied to a header), an expired one, one from another
 *   issuer, one signed by another key and none at all 401; a valid token for another audience 403.
 * - API keys (Secret, header or query parameter): known key 200 (client id forwarded), unknown or
 *   missing 401.
 * - Precedence: a second listener whose policy denies 127.0.0.0/8 answers 403 on rules without a policy
 *   of their own, while rules with one (more specific) follow theirs.
 * - A policy whose Secret is missing fails closed: its rule answers 500.
 * - Removing a policy from the folder opens its rule again, with no restart.
 * - Status: every policy Accepted on the Gateway but the broken one (Invalid); no secret in /debug/*.
 * Figures: median latency of 200 requests per route, with and without each filter.
 * Runs the compiled CLI (packages/cli/dist): run `npx tsc -b` before running this file alone.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jest } from '@jest/globals';
import { startEnvoy, type EnvoyProcess } from '../support/envoy-process.js';
import { get, untilAnswer } from '../support/isolation-traffic.js';
import { freePort, startServeProcess, type ServeProcess } from '../support/serve-process.js';
import { loopbackServiceYaml } from '../support/loopback-service.js';
import {
  basicAuthorization,
  closeServer,
  htpasswdLine,
  signingKey,
  signJwt,
  startHeaderEcho,
  startJwksServer,
  type HeaderEcho,
  type JwksServer,
  type SigningKey,
} from '../support/security-credentials.js';
import { median } from '../support/latency.js';

const ENVOY = process.env.ENVOY_BIN;
const describeWithEnvoy = ENVOY ? describe : describe.skip;

jest.setTimeout(120_000);

const ISSUER = 'https://issuer.portico.test';
const AUDIENCE = 'portico-e2e';
const PASSWORD = 'correct horse battery staple';
const API_KEY = 'k-7f3a9c2e51d8';

function endpointsYaml(name: string, port: number): string {
  return loopbackServiceYaml(name, port);
}

function rule(name: string, path: string): string {
  return `  - name: ${name}\n    matches: [{ path: { type: PathPrefix, value: ${path} } }]\n    backendRefs: [{ name: echo, port: 80 }]\n`;
}

function policy(name: string, ruleName: string, spec: string): string {
  return `---
apiVersion: gateway.portico.dev/v1alpha1
kind: SecurityPolicy
metadata: { name: ${name}, namespace: default }
spec:
  targetRefs: [{ group: gateway.networking.k8s.io, kind: HTTPRoute, name: app, sectionName: ${ruleName} }]
${spec}`;
}

function resourcesYaml(port: number, lockedPort: number, echo: HeaderEcho, jwksServer: JwksServer, key: SigningKey, denyLoopback = true): string {
  const jwtProvider = (jwks: string) => `      issuer: ${ISSUER}\n      audiences: [${AUDIENCE}]\n${jwks}      claimToHeaders: [{ claim: sub, header: x-jwt-sub }]\n`;
  return `apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: { name: portico-security }
spec: { controllerName: portico.dev/gateway-controller }
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: { name: gw, namespace: default }
spec:
  gatewayClassName: portico-security
  listeners:
  - { name: http, protocol: HTTP, port: ${port} }
  - { name: locked, protocol: HTTP, port: ${lockedPort} }
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: app, namespace: default }
spec:
  parentRefs: [{ name: gw }]
  rules:
${rule('ip-denied', '/ip-denied')}${rule('ip-allowed', '/ip-allowed')}${rule('ip-elsewhere', '/ip-elsewhere')}${rule('basic', '/basic')}${rule('jwt-local', '/jwt-local')}${rule('jwt-remote', '/jwt-remote')}${rule('apikey', '/apikey')}${rule('broken', '/broken')}---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: other, namespace: default }
spec:
  parentRefs: [{ name: gw }]
  rules:
  - matches: [{ path: { type: PathPrefix, value: /other } }]
    backendRefs: [{ name: echo, port: 80 }]
${denyLoopback ? policy('deny-loopback', 'ip-denied', '  ipAccess: { deny: [127.0.0.0/8] }\n') : ''}---
apiVersion: gateway.portico.dev/v1alpha1
kind: SecurityPolicy
metadata: { name: locked-listener, namespace: default }
spec:
  targetRefs: [{ group: gateway.networking.k8s.io, kind: Gateway, name: gw, sectionName: locked }]
  ipAccess: { deny: [127.0.0.0/8] }
${policy('allow-loopback', 'ip-allowed', '  ipAccess: { allow: [127.0.0.1/32] }\n')}${policy(
    'allow-ten',
    'ip-elsewhere',
    '  ipAccess: { allow: [10.0.0.0/8] }\n',
  )}${policy('basic', 'basic', '  basicAuth: { users: { name: htpasswd }, forwardUsernameHeader: x-user }\n')}${policy(
    'jwt-local',
    'jwt-local',
    `  jwt:\n    providers:\n    - name: local\n${jwtProvider(`      localJWKS: { valueRef: { kind: ConfigMap, name: jwks } }\n`)}`,
  )}${policy(
    'jwt-remote',
    'jwt-remote',
    `  jwt:\n    providers:\n    - name: remote\n${jwtProvider(`      remoteJWKS: { uri: "http://jwks.default:80/keys", backendRef: { name: jwks, port: 80 }, cacheDuration: 10m }\n`)}`,
  )}${policy(
    'apikey',
    'apikey',
    '  apiKeyAuth:\n    credentialRefs: [{ name: api-keys }]\n    extractFrom: [{ header: x-api-key }, { queryParam: key }]\n    forwardClientIDHeader: x-client-id\n',
  )}${policy('broken', 'broken', '  basicAuth: { users: { name: no-such-secret } }\n')}---
apiVersion: v1
kind: Secret
metadata: { name: htpasswd, namespace: default }
stringData:
  .htpasswd: "${htpasswdLine('alice', PASSWORD)}"
---
apiVersion: v1
kind: Secret
metadata: { name: api-keys, namespace: default }
type: gateway.portico.dev/api-keys
stringData:
  team-a: ${API_KEY}
---
apiVersion: v1
kind: ConfigMap
metadata: { name: jwks, namespace: default }
data:
  jwks.json: '${key.jwks}'
${endpointsYaml('echo', echo.port)}${endpointsYaml('jwks', jwksServer.port)}`;
}

describeWithEnvoy('SecurityPolicy through a real Envoy', () => {
  let dir: string;
  let echo: HeaderEcho;
  let jwksServer: JwksServer;
  let key: SigningKey;
  let otherKey: SigningKey;
  let serve: ServeProcess;
  let envoy: EnvoyProcess;
  let port: number;
  let lockedPort: number;
  const figures: Record<string, number> = {};
  const context = () => `portico:\n${serve?.tail(30)}\nenvoy:\n${envoy?.tail(20)}`;
  const url = (path: string) => `http://127.0.0.1:${port}${path}`;
  const now = () => Math.floor(Date.now() / 1000);
  const token = (claims: Record<string, unknown> = {}, signer: SigningKey = key) => signJwt(signer, { iss: ISSUER, aud: AUDIENCE, sub: 'user-42', exp: now() + 600, ...claims });

  beforeAll(async () => {
    key = signingKey('e2e-1');
    otherKey = signingKey('e2e-1');
    echo = await startHeaderEcho();
    jwksServer = await startJwksServer(key.jwks);
    port = await freePort();
    lockedPort = await freePort();
    dir = mkdtempSync(join(tmpdir(), 'portico-security-policy-'));
    writeFileSync(join(dir, 'resources.yaml'), resourcesYaml(port, lockedPort, echo, jwksServer, key));
    const started = Date.now();
    serve = await startServeProcess({ resources: dir });
    await serve.waitReady(30_000);
    envoy = await startEnvoy({ gateway: 'default/gw', xdsPort: serve.xdsPort, nodeId: 'security-policy' });
    await untilAnswer(url('/other'), (a) => a.status === 200, 'the unprotected route to answer', context, 45_000);
    figures.firstTrafficMs = Date.now() - started;
  });

  afterAll(async () => {
    await envoy?.stop();
    await serve?.stop('SIGTERM', 20_000);
    if (echo) await closeServer(echo.server);
    if (jwksServer) await closeServer(jwksServer.server);
    if (dir) rmSync(dir, { recursive: true, force: true });
    console.log(`envoy-security-policy figures: ${JSON.stringify(figures)}`);
  });

  test('IP lists: a denied client gets 403 on its rule while the other route answers; XFF cannot spoof an allowed address', async () => {
    expect((await get(url('/ip-denied'))).status).toBe(403);
    expect((await get(url('/other'))).status).toBe(200);
    expect((await get(url('/ip-allowed'))).status).toBe(200);
    expect((await get(url('/ip-elsewhere'))).status).toBe(403);
    expect((await get(url('/ip-elsewhere'), { 'x-forwarded-for': '10.1.2.3' })).status).toBe(403);
  });

  test('basic auth: the right password passes (user name forwarded), a wrong or missing one gets 401', async () => {
    const ok = await get(url('/basic'), { authorization: basicAuthorization('alice', PASSWORD) });
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body).headers['x-user']).toBe('alice');
    // Envoy's basic_auth passes the Authorization header on as sent (README says so).
    expect(JSON.parse(ok.body).headers.authorization).toBe(basicAuthorization('alice', PASSWORD));
    expect((await get(url('/basic'), { authorization: basicAuthorization('alice', 'wrong') })).status).toBe(401);
    expect((await get(url('/basic'), { authorization: basicAuthorization('mallory', PASSWORD) })).status).toBe(401);
    expect((await get(url('/basic'))).status).toBe(401);
  });

  test.each(['/jwt-local', '/jwt-remote'])('JWT on %s: valid 200 with its sub forwarded and the token removed; expired, wrong issuer, wrong key, missing 401; wrong audience 403', async (path) => {
    const ok = await get(url(path), { authorization: `Bearer ${token()}` });
    expect(ok.status).toBe(200);
    const headers = JSON.parse(ok.body).headers as Record<string, string>;
    expect(headers['x-jwt-sub']).toBe('user-42');
    expect(headers.authorization).toBeUndefined();
    // Envoy allows 60 s of clock skew: an hour ago is expired beyond doubt.
    expect((await get(url(path), { authorization: `Bearer ${token({ exp: now() - 3600 })}` })).status).toBe(401);
    expect((await get(url(path), { authorization: `Bearer ${token({ iss: 'https://evil.test' })}` })).status).toBe(401);
    expect((await get(url(path), { authorization: `Bearer ${token({}, otherKey)}` })).status).toBe(401);
    // A verified token for another audience is authenticated but not allowed: Envoy answers 403.
    expect((await get(url(path), { authorization: `Bearer ${token({ aud: 'someone-else' })}` })).status).toBe(403);
    expect((await get(url(path))).status).toBe(401);
  });

  test('API keys: a known key in the header or the query passes (client id forwarded), an unknown or missing one gets 401', async () => {
    const ok = await get(url('/apikey'), { 'x-api-key': API_KEY });
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body).headers['x-client-id']).toBe('team-a');
    expect((await get(url(`/apikey?key=${API_KEY}`))).status).toBe(200);
    expect((await get(url('/apikey'), { 'x-api-key': 'not-a-key' })).status).toBe(401);
    expect((await get(url('/apikey'))).status).toBe(401);
  });

  test('precedence: on the listener whose policy denies loopback, rules without their own policy get 403; a rule policy wins over it', async () => {
    const locked = (path: string) => `http://127.0.0.1:${lockedPort}${path}`;
    expect((await get(locked('/other'))).status).toBe(403);
    expect((await get(locked('/ip-allowed'))).status).toBe(200);
    expect((await get(locked('/basic'), { authorization: basicAuthorization('alice', PASSWORD) })).status).toBe(200);
    expect((await get(url('/other'))).status).toBe(200);
  });

  test('a policy that cannot be enforced fails closed (500) on its rule only', async () => {
    expect((await get(url('/broken'))).status).toBe(500);
    expect((await get(url('/other'))).status).toBe(200);
  });

  test('statuses: every policy Accepted on the Gateway but the broken one (Invalid); Envoy rejected nothing', async () => {
    const { body } = await serve.admin<{ objects: { kind: string; metadata: { name: string }; status?: { ancestors?: { ancestorRef: { name: string }; conditions: { type: string; status: string; reason: string; message: string }[] }[] } }[] }>('/debug/status');
    const policies = Object.fromEntries(
      body.objects.filter((o) => o.kind === 'SecurityPolicy').map((o) => [o.metadata.name, o.status?.ancestors?.map((a) => `${a.ancestorRef.name}:${a.conditions[0]?.reason}`)]),
    );
    expect(policies).toEqual({
      'allow-loopback': ['gw:Accepted'],
      'allow-ten': ['gw:Accepted'],
      apikey: ['gw:Accepted'],
      basic: ['gw:Accepted'],
      broken: ['gw:Invalid'],
      'deny-loopback': ['gw:Accepted'],
      'jwt-local': ['gw:Accepted'],
      'jwt-remote': ['gw:Accepted'],
      'locked-listener': ['gw:Accepted'],
    });
    expect(await envoy.rejectedUpdates()).toBe(0);
  });

  test('no credential leaves the process: /debug/ir and /debug/xds hold neither the htpasswd hash nor the API key', async () => {
    const hash = htpasswdLine('alice', PASSWORD).split(':')[1]!;
    for (const path of ['/debug/ir', '/debug/xds', '/debug/ir?format=yaml', '/debug/xds?format=yaml']) {
      const text = await (await fetch(`http://127.0.0.1:${serve.adminPort}${path}`)).text();
      expect(text).toContain('[redacted]');
      expect(text).not.toContain(hash);
      expect(text).not.toContain(API_KEY);
    }
    // Envoy has them (it enforces them) and redacts them from its own config dump too.
    const dump = await (await fetch(`http://127.0.0.1:${envoy.adminPort}/config_dump`)).text();
    expect(dump).not.toContain(hash);
    expect(dump).not.toContain(API_KEY);
  });

  test('the remote JWKS is fetched once per listener (async fetch when the listener starts) and then served from cache', async () => {
    const before = jwksServer.fetches();
    for (let i = 0; i < 20; i++) expect((await get(url('/jwt-remote'), { authorization: `Bearer ${token()}` })).status).toBe(200);
    figures.jwksFetches = jwksServer.fetches();
    // Two HTTP listeners (ports), each with its own jwt_authn filter and JWKS cache.
    expect({ before, after: jwksServer.fetches() }).toEqual({ before: 2, after: 2 });
  });

  test('a policy removed from the folder stops applying, without restarting anything', async () => {
    const started = Date.now();
    writeFileSync(join(dir, 'resources.yaml'), resourcesYaml(port, lockedPort, echo, jwksServer, key, false));
    figures.policyRemovedToOpenMs = await untilAnswer(url('/ip-denied'), (a) => a.status === 200, 'the rule to answer once its policy is gone', context, 30_000);
    figures.policyRemovedWallMs = Date.now() - started;
    expect((await get(url('/ip-elsewhere'))).status).toBe(403);
    expect(await envoy.rejectedUpdates()).toBe(0);
  });

  test('figures: median latency of 200 requests without and with each filter', async () => {
    const cases: [string, string, Record<string, string>][] = [
      ['none', '/other', {}],
      ['rbacIpAllow', '/ip-allowed', {}],
      ['basicAuth', '/basic', { authorization: basicAuthorization('alice', PASSWORD) }],
      ['jwtLocal', '/jwt-local', { authorization: `Bearer ${token()}` }],
      ['apiKey', '/apikey', { 'x-api-key': API_KEY }],
    ];
    // Interleaved, so a burst of load from elsewhere on the host weighs on every case alike.
    const times = new Map<string, number[]>(cases.map(([name]) => [name, []]));
    for (let i = 0; i < 200; i++) {
      for (const [name, path, headers] of cases) {
        const started = process.hrtime.bigint();
        const answer = await get(url(path), headers);
        times.get(name)!.push(Number(process.hrtime.bigint() - started) / 1e6);
        expect(answer.status).toBe(200);
      }
    }
    for (const [name, list] of times) figures[`medianMs_${name}`] = Math.round(median(list) * 1000) / 1000;
  });
});
