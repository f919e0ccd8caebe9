/**
 * Issue 12, "host takeover": an Ingress in another namespace with an upper-case host
 * (`BLOG.example.com`, which the API server refuses) used to replace another Ingress's virtual host —
 * Envoy matches domains case-insensitively, and the older Ingress won `blog.example.com`. Now it is
 * refused whole, as the API server would (a diagnostic in /debug/status names the field and value),
 * and through a real Envoy (ENVOY_BIN) `blog.example.com` keeps reaching team A, for an Envoy connected
 * before the bad Ingress and one started after; neither sees a NACK.
 *
 * The Ingress gateway listens on port 80 (Ingress fixes its ports), so this needs root, as CI has;
 * skipped otherwise or without ENVOY_BIN. Runs the compiled CLI: `npx tsc -b` first when run alone.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jest } from '@jest/globals';
import { startEnvoy, type EnvoyProcess } from '../support/envoy-process.js';
import { serviceYaml } from '../support/isolation-fixtures.js';
import { nacksSeenByPortico } from '../support/isolation-status.js';
import { closeEcho, getWithHost, pollFor, startEcho } from '../support/isolation-traffic.js';
import { startServeProcess, type ServeProcess } from '../support/serve-process.js';

const ENVOY = process.env.ENVOY_BIN;
const describeAsRootWithEnvoy = ENVOY && process.getuid?.() === 0 ? describe : describe.skip;
const GATEWAY = 'ingressclass/portico-isolation';

jest.setTimeout(90_000);

function ingressYaml(namespace: string, name: string, host: string, created: string): string {
  return `---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: { name: ${name}, namespace: ${namespace}, creationTimestamp: "${created}" }
spec:
  ingressClassName: portico-isolation
  rules:
  - host: ${host}
    http:
      paths: [{ path: /, pathType: Prefix, backend: { service: { name: echo, port: { number: 80 } } } }]
`;
}

/** GET / on the Ingress gateway's port 80 with a Host header. */
const getHost = (host: string) => getWithHost(80, '/', host);

describeAsRootWithEnvoy('an upper-case Ingress host is refused and takes no other Ingress\'s host', () => {
  let dir: string;
  const echoes: Awaited<ReturnType<typeof startEcho>>[] = [];
  let serve: ServeProcess;
  const envoys: EnvoyProcess[] = [];
  const context = () => `portico:\n${serve?.tail(30)}\n${envoys.map((e) => `envoy :${e.adminPort}:\n${e.tail(15)}`).join('\n')}`;
  const blogServedByTeamA = () => pollFor('blog.example.com to reach team A', async () => {
    const answer = await getHost('blog.example.com');
    return answer.status === 200 && answer.body === 'team-a' ? true : undefined;
  }, context);

  beforeAll(async () => {
    echoes.push(await startEcho('team-a'), await startEcho('team-b'));
    dir = mkdtempSync(join(tmpdir(), 'portico-isolation-ingress-'));
    writeFileSync(join(dir, '10-base.yaml'), `apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata: { name: portico-isolation }
spec: { controller: portico.dev/ingress-controller }
${serviceYaml('team-a', 'echo', echoes[0]!.port)}${serviceYaml('team-b', 'echo', echoes[1]!.port)}`);
    writeFileSync(join(dir, '20-team-a.yaml'), ingressYaml('team-a', 'blog', 'blog.example.com', '2026-01-01T00:00:00Z'));
    serve = await startServeProcess({ resources: dir });
    await serve.waitReady(30_000);
    envoys.push(await startEnvoy({ gateway: GATEWAY, xdsPort: serve.xdsPort, nodeId: 'before' }));
    await blogServedByTeamA();
  });

  afterAll(async () => {
    await Promise.all(envoys.map((e) => e.stop()));
    await serve?.stop('SIGTERM', 20_000);
    await Promise.all(echoes.map(closeEcho));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('refused with a diagnostic; the Envoy connected before keeps team A on blog.example.com', async () => {
    // Older than team A's: without the check it would win the case-insensitive host.
    writeFileSync(join(dir, '30-team-b.yaml'), ingressYaml('team-b', 'takeover', 'BLOG.example.com', '2025-01-01T00:00:00Z'));
    const diagnostic = await pollFor('the takeover Ingress to be refused', async () => {
      const { body } = await serve.admin<{ diagnostics: { kind: string; namespace?: string; name: string; message: string }[] }>('/debug/status');
      return body.diagnostics?.find((d) => d.kind === 'Ingress' && d.namespace === 'team-b' && d.name === 'takeover');
    }, context);
    expect(diagnostic.message).toMatch(/^refused, as the API server would: spec\.rules\[0\]\.host: "BLOG\.example\.com" is not a valid host/);
    await blogServedByTeamA();
    expect(await getHost('BLOG.EXAMPLE.COM')).toEqual({ status: 200, body: 'team-a' });
    expect(await envoys[0]!.rejectedUpdates()).toBe(0);
    expect(await nacksSeenByPortico(serve)).toBe(0);
  });

  test('an Envoy started after the bad Ingress serves team A there too', async () => {
    const after = await startEnvoy({ gateway: GATEWAY, xdsPort: serve.xdsPort, nodeId: 'after' });
    envoys.push(after);
    await pollFor('the late Envoy to have its listener', async () => {
      const response = await fetch(`http://127.0.0.1:${after.adminPort}/stats?filter=listener_manager.total_listeners_active&format=json`).catch(() => undefined);
      const stats = response ? ((await response.json()) as { stats: { value?: number }[] }).stats : [];
      return (stats[0]?.value ?? 0) >= 1 ? true : undefined;
    }, context);
    await envoys[0]!.stop();
    await blogServedByTeamA();
    expect(await after.rejectedUpdates()).toBe(0);
    expect(await nacksSeenByPortico(serve)).toBe(0);
  });
});
