import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_STREAM_LIMITS, DEFAULT_XDS_ADDRESS } from '@portico/xds-server';
import type { CliIO } from '../../cli-io.js';
import { main } from '../../main.js';
import { parseServeArgs } from './serve-args.js';
import { runServe } from './serve.js';

const GATEWAY_YAML = `apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: { name: portico }
spec: { controllerName: portico.dev/gateway-controller }
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: { name: gw, namespace: default }
spec:
  gatewayClassName: portico
  listeners:
  - { name: http, port: 8080, protocol: HTTP }
`;

function capture(): { io: CliIO; stdout: () => string; stderr: () => string } {
  let stdout = '';
  let stderr = '';
  return {
    io: { stdout: { write: (c: string) => (stdout += c) }, stderr: { write: (c: string) => (stderr += c) }, readStdin: () => Promise.reject(new Error('no stdin')) },
    stdout: () => stdout,
    stderr: () => stderr,
  };
}

/** A port nobody listens on right now (a temporary listener on port 0, closed). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('portico serve arguments', () => {
  test.each([
    [['serve', '--kubernetes', '--kubeconfig', '/nonexistent/kubeconfig'], "cannot load the cluster credentials from '/nonexistent/kubeconfig': ENOENT: no such file or directory, open '/nonexistent/kubeconfig'"],
    [['serve', '--envoy-service-type', 'ClusterIP'], '--envoy-service-type needs --kubernetes'],
    [['serve', '--kubernetes', '--envoy-service-type', 'Internal'], "invalid --envoy-service-type 'Internal': expected one of LoadBalancer, ClusterIP, NodePort"],
    [['serve', '--kubernetes', '--envoy-infrastructure', 'maybe'], "invalid --envoy-infrastructure 'maybe': expected managed or none"],
    [['serve', '--secret-namespaces', 'team-a'], '--secret-namespaces needs --kubernetes'],
    [['serve', '--kubernetes', '--secret-namespaces', ''], "invalid --secret-namespaces '': empty namespace name"],
    [['serve', '--kubernetes', '--secret-namespaces', 'team-a,,team-b'], "invalid --secret-namespaces 'team-a,,team-b': empty namespace name"],
    [['serve', '--kubernetes', '--secret-namespaces', 'team-a,'], "invalid --secret-namespaces 'team-a,': empty namespace name"],
    ...['Team-A', 'team_a', '-team', 'team-', 'team.a', 'n'.repeat(64)].map((name): [string[], string] => [
      ['serve', '--kubernetes', '--secret-namespaces', `ok,${name}`],
      `invalid --secret-namespaces 'ok,${name}': '${name}' is not a namespace name (lower-case letters, digits and '-', at most 63, starting and ending with a letter or digit)`,
    ]),
    [['serve', '--log-level', 'verbose'], "invalid --log-level 'verbose': expected one of error, warn, info, debug"],
    [['serve', 'examples'], "unexpected argument 'examples' (see 'portico serve --help')"],
    [['serve', '--resources', '/nonexistent/portico'], "--resources '/nonexistent/portico': no such folder"],
    [['serve', '--admin-address', '19000'], "--admin-address: invalid address '19000': expected host:port (IPv6 as [::1]:port)"],
    [['serve', '--xds-address', 'localhost:99999'], "--xds-address: invalid address 'localhost:99999': port 99999 is above 65535"],
    [['serve', '--xds-max-streams', '0'], "invalid --xds-max-streams '0': expected a whole number above 0"],
    [['serve', '--xds-max-streams-per-connection', '1.5'], "invalid --xds-max-streams-per-connection '1.5': expected a whole number above 0"],
    [['serve', '--xds-blocked-stream-timeout', 'soon'], "invalid --xds-blocked-stream-timeout 'soon': expected a number above 0"],
    [['serve', '--metrics-address', 'pod-ip'], "--metrics-address: invalid address 'pod-ip': expected host:port (IPv6 as [::1]:port)"],
    [['serve', '--admin-allowed-hosts', 'a.example,'], '--admin-allowed-hosts needs host names, not empty ones'],
  ])('%j fails with exit code 1 and one line', async (argv, message) => {
    const out = capture();
    expect(await main(argv, out.io)).toBe(1);
    expect(out.stderr()).toBe(`portico: ${message}\n`);
  });

  test('xDS limits: defaults, and the values given', () => {
    expect(parseServeArgs([])?.xdsLimits).toEqual({ maxStreams: 10_000, maxStreamsPerConnection: 100, blockedStreamTimeoutS: 30 });
    expect(parseServeArgs([])?.xdsAddress).toBe('127.0.0.1:18000');
    // The CLI repeats the server's defaults (parsing arguments does not load the server): they agree.
    expect(DEFAULT_XDS_ADDRESS).toBe('127.0.0.1:18000');
    expect(DEFAULT_STREAM_LIMITS).toMatchObject({ maxStreams: 10_000, maxStreamsPerConnection: 100, maxBlockedMs: 30_000 });
    const given = parseServeArgs(['--xds-max-streams', '50', '--xds-max-streams-per-connection', '5', '--xds-blocked-stream-timeout', '0.5']);
    expect(given?.xdsLimits).toEqual({ maxStreams: 50, maxStreamsPerConnection: 5, blockedStreamTimeoutS: 0.5 });
  });

  test('--metrics-address and --admin-allowed-hosts (repeated or comma-separated) reach the server options', () => {
    const args = parseServeArgs(['--metrics-address', '0.0.0.0:19100', '--admin-allowed-hosts', 'a.example, b.example', '--admin-allowed-hosts', '10.0.0.1']);
    expect(args).toMatchObject({ metricsAddress: '0.0.0.0:19100', adminAllowedHosts: ['a.example', 'b.example', '10.0.0.1'] });
    const plain = parseServeArgs([])!;
    expect('metricsAddress' in plain || 'adminAllowedHosts' in plain).toBe(false);
  });

  test('ExternalName Services: refused unless --allow-external-name-services; loopback names only with --allow-external-name-loopback too', () => {
    expect('externalNameServices' in parseServeArgs([])!).toBe(false);
    expect(parseServeArgs(['--allow-external-name-services'])?.externalNameServices).toBe('allow');
    expect(parseServeArgs(['--allow-external-name-services', '--allow-external-name-loopback'])?.externalNameServices).toBe('allow-loopback');
    expect(() => parseServeArgs(['--allow-external-name-loopback'])).toThrow('--allow-external-name-loopback needs --allow-external-name-services');
  });

  test('--secret-namespaces: namespace names, in the order given, each once; absent means every namespace', () => {
    const limited = parseServeArgs(['--kubernetes', '--secret-namespaces', 'team-b, team-a,team-b,0,' + 'n'.repeat(63)]);
    expect(limited?.kubernetes?.secretNamespaces).toEqual(['team-b', 'team-a', '0', 'n'.repeat(63)]);
    const everywhere = parseServeArgs(['--kubernetes']);
    expect(everywhere?.kubernetes).toBeDefined();
    expect(everywhere?.kubernetes && 'secretNamespaces' in everywhere.kubernetes).toBe(false);
  });

  test('--envoy-address-wait: seconds a static address may be missing before it is unusable; absent means the default', () => {
    expect(parseServeArgs(['--kubernetes', '--envoy-address-wait', '90'])?.kubernetes?.envoy.addressWaitSeconds).toBe(90);
    expect(parseServeArgs(['--kubernetes'])?.kubernetes?.envoy).not.toHaveProperty('addressWaitSeconds');
    expect(() => parseServeArgs(['--kubernetes', '--envoy-address-wait', '0'])).toThrow("invalid --envoy-address-wait '0': expected a positive number");
    expect(() => parseServeArgs(['--envoy-address-wait', '30'])).toThrow('--envoy-address-wait needs --kubernetes');
  });

  test('--help prints the options and the defaults', async () => {
    const out = capture();
    expect(await main(['serve', '--help'], out.io)).toBe(0);
    expect(out.stdout()).toMatch(/^Usage: portico serve /);
    expect(out.stdout()).toContain('default ./examples');
    expect(out.stdout()).toContain('default 127.0.0.1:18000');
    expect(out.stdout()).toContain('--xds-blocked-stream-timeout SECONDS');
    expect(out.stdout()).toContain('default 127.0.0.1:19000');
  });
});

describe('portico serve', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'portico-serve-'));
    writeFileSync(join(dir, 'gateway.yaml'), GATEWAY_YAML);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('serves until stopped, answers on the admin address, and exits 0', async () => {
    const [xds, admin] = [await freePort(), await freePort()];
    const args = parseServeArgs(['--resources', dir, '--xds-address', `127.0.0.1:${xds}`, '--admin-address', `127.0.0.1:${admin}`, '--log-level', 'warn'])!;
    let stop!: (signal: string) => void;
    const out = capture();
    const running = runServe(args, out.io, new Promise((resolve) => (stop = resolve)));
    const deadline = Date.now() + 10_000;
    let ready = 0;
    while (ready !== 200 && Date.now() < deadline) {
      ready = await fetch(`http://127.0.0.1:${admin}/readyz`).then((r) => r.status, () => 0);
      if (ready !== 200) await new Promise((r) => setTimeout(r, 50));
    }
    expect(ready).toBe(200);
    const ir = (await (await fetch(`http://127.0.0.1:${admin}/debug/ir`)).json()) as { ir: Record<string, unknown> };
    expect(Object.keys(ir.ir)).toEqual(['default/gw']);
    stop('SIGTERM');
    expect(await running).toBe(0);
    // warn level: nothing to say about a healthy start and stop.
    expect(out.stderr()).toBe('');
  });

  test('an admin address in use is a user error', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as { port: number };
    try {
      const args = parseServeArgs(['--resources', dir, '--xds-address', '127.0.0.1:0', '--admin-address', `127.0.0.1:${port}`, '--log-level', 'error'])!;
      await expect(runServe(args, capture().io, new Promise(() => undefined))).rejects.toThrow(
        new RegExp(`^cannot listen on --admin-address 127.0.0.1:${port}: .*EADDRINUSE`),
      );
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });
});
