/**
 * What every external-authorization test through a real Envoy sets up: a backend that answers with
 * what reached it (so a test sees the headers auth added), the HTTP and gRPC test auth servers
 * (backends/ext-authz-servers.ts), a closed port standing for an auth service that is down, then
 * `portico serve` on the test's resources and an Envoy of `default/gw`, ready once `readyHost`
 * answers 200 through the gateway.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEnvoy, type EnvoyProcess } from './envoy-process.js';
import { startGrpcAuthServer, startHttpAuthServer, type AuthServer } from './backends/ext-authz-servers.js';
import { sendWithHost } from './host-request.js';
import { pollFor } from './isolation-traffic.js';
import { freePort, startServeProcess, type ServeProcess } from './serve-process.js';

/** The loopback ports the test's resources point at. */
export interface ExtAuthPorts {
  listener: number;
  backend: number;
  httpAuth: number;
  grpcAuth: number;
  /** Nothing listens here: connections to an auth service on it are refused. */
  downAuth: number;
}

export interface ExtAuthHarnessOptions {
  /** Names the temporary folder and the Envoy node. */
  name: string;
  resourcesYaml: (ports: ExtAuthPorts) => string;
  /** The backend's JSON answer to a request (its body read whole). */
  backendReply: (req: IncomingMessage, body: string) => unknown;
  /** A Host (and path) that answers 200 once the gateway serves. */
  ready: { host: string; path: string };
}

export interface ExtAuthHarness {
  ports: ExtAuthPorts;
  httpAuth: AuthServer;
  grpcAuth: AuthServer;
  serve: ServeProcess;
  envoy: EnvoyProcess;
  /** Requests the backend has answered so far. */
  backendRequests: () => number;
  /** The last lines of portico's and Envoy's output, for a failure message. */
  context: () => string;
  stop: () => Promise<void>;
}

export async function startExtAuthHarness(options: ExtAuthHarnessOptions): Promise<ExtAuthHarness> {
  let backendRequests = 0;
  const backend = createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += String(chunk);
    backendRequests += 1;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(options.backendReply(req, body)));
  });
  await new Promise<void>((ok) => backend.listen(0, '127.0.0.1', ok));
  const httpAuth = await startHttpAuthServer();
  const grpcAuth = await startGrpcAuthServer();
  const ports: ExtAuthPorts = {
    listener: await freePort(),
    backend: (backend.address() as { port: number }).port,
    httpAuth: httpAuth.port,
    grpcAuth: grpcAuth.port,
    downAuth: await freePort(),
  };
  const dir = mkdtempSync(join(tmpdir(), `portico-${options.name}-`));
  writeFileSync(join(dir, 'resources.yaml'), options.resourcesYaml(ports));
  let serve: ServeProcess | undefined;
  let envoy: EnvoyProcess | undefined;
  const context = () => `portico:\n${serve?.tail(30)}\nenvoy:\n${envoy?.tail(30)}`;
  const stop = async () => {
    await envoy?.stop();
    await serve?.stop('SIGTERM', 20_000);
    await httpAuth.close();
    await grpcAuth.close();
    backend.closeAllConnections();
    await new Promise((ok) => backend.close(ok));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    serve = await startServeProcess({ resources: dir });
    await serve.waitReady(30_000);
    envoy = await startEnvoy({ gateway: 'default/gw', xdsPort: serve.xdsPort, nodeId: options.name });
    const { host, path } = options.ready;
    await pollFor(`the gateway to serve ${host}${path}`, async () => ((await sendWithHost(ports.listener, host, path)).status === 200 ? true : undefined), context);
  } catch (error) {
    await stop();
    throw error;
  }
  return { ports, httpAuth, grpcAuth, serve, envoy, backendRequests: () => backendRequests, context, stop };
}
