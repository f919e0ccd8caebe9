/**
 * What the isolation regression tests need to send real traffic: echo backends that answer with
 * their own name, an Envoy (ENVOY_BIN) bootstrapped for one gateway of a running `portico serve` on
 * free loopback ports, the YAML of Services with endpoints on loopback, and bounded polling of a URL.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildEnvoyBootstrap } from '@portico/xds';
import { freePort } from './serve-process.js';

export interface Echo {
  name: string;
  port: number;
  server: Server;
}

export async function startEcho(name: string): Promise<Echo> {
  const server = createServer((request, response) => {
    request.resume();
    response.writeHead(200, { 'content-type': 'text/plain' });
    response.end(name);
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return { name, port: (server.address() as { port: number }).port, server };
}

export function closeEcho(echo: Echo): Promise<void> {
  echo.server.closeAllConnections();
  return new Promise((ok) => echo.server.close(() => ok()));
}

/** A Service `echo-<name>` (port 80) with an EndpointSlice pointing at the echo's loopback port. */
export function echoServiceYaml(echo: Echo, namespace = 'default'): string {
  return `---
apiVersion: v1
kind: Service
metadata: { name: echo-${echo.name}, namespace: ${namespace} }
spec:
  ports: [{ name: http, port: 80 }]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: echo-${echo.name}-1
  namespace: ${namespace}
  labels: { kubernetes.io/service-name: echo-${echo.name} }
addressType: IPv4
ports: [{ name: http, port: ${echo.port} }]
endpoints:
- addresses: [127.0.0.1]
  conditions: { ready: true }
`;
}

export interface EnvoyProcess {
  child: ChildProcess;
  adminPort: number;
  stop(): Promise<void>;
}

/** A real Envoy for `gateway`, connected to the xDS server on `xdsPort`, admin on a free port. */
export async function startEnvoy(options: { gateway: string; xdsPort: number; dir: string; nodeId: string }): Promise<EnvoyProcess> {
  const envoyBin = process.env.ENVOY_BIN;
  if (!envoyBin) throw new Error('ENVOY_BIN is not set');
  const adminPort = await freePort();
  const bootstrap = buildEnvoyBootstrap({ gateway: options.gateway, xdsAddress: `127.0.0.1:${options.xdsPort}`, adminPort, nodeId: options.nodeId });
  const file = join(options.dir, `${options.nodeId}.json`);
  writeFileSync(file, JSON.stringify(bootstrap));
  const child = spawn(envoyBin, ['-c', file, '--disable-hot-restart', '--log-level', 'warn', '--concurrency', '1'], { stdio: 'ignore' });
  const exited = new Promise<void>((ok) => child.once('exit', () => ok()));
  return {
    child,
    adminPort,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

export interface Answer {
  status: number;
  body: string;
}

export async function get(url: string, headers: Record<string, string> = {}): Promise<Answer> {
  const response = await fetch(url, { redirect: 'manual', headers, signal: AbortSignal.timeout(5_000) });
  return { status: response.status, body: await response.text() };
}

/**
 * Polls `url` until `accept` holds, at most `timeoutMs`; fails with the last answer and `context()`
 * (e.g. the server's log tail). Returns how long it took.
 */
export async function untilAnswer(url: string, accept: (a: Answer) => boolean, what: string, context: () => string, timeoutMs = 30_000): Promise<number> {
  const started = Date.now();
  let last: unknown;
  for (;;) {
    try {
      const answer = await get(url);
      last = answer;
      if (accept(answer)) return Date.now() - started;
    } catch (error) {
      last = (error as Error).message;
    }
    if (Date.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${JSON.stringify(last)}):\n${context()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
