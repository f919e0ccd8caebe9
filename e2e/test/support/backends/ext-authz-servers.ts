/**
 * Test authorization servers for ExternalAuth (GEP-1494) through a real Envoy: an HTTP one (Envoy's
 * HTTP ext_authz protocol: a copy of the request, 200 allows, anything else is the answer the client
 * gets) and a gRPC one implementing envoy.service.auth.v3.Authorization/Check from the Envoy API
 * protos @grpc/grpc-js-xds ships. Both allow a request carrying `x-auth: allow` (the HTTP one also
 * `authorization: Bearer allow`, the header Envoy always sends it) and deny any other, and remember
 * the requests they were asked about.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

const require = createRequire(import.meta.url);

export interface AuthCheck {
  path: string;
  headers: Record<string, string>;
  /** HTTP: the body of the check request (the client's, as forwarded by forwardBody). */
  body?: string;
}

export interface AuthServer {
  port: number;
  /** The checks asked so far, oldest first. */
  checks: AuthCheck[];
  close(): Promise<void>;
}

/** HTTP: allow answers 200 with `x-user: alice` (for the backend); deny answers 403, `x-deny-reason`, a body. */
export async function startHttpAuthServer(): Promise<AuthServer> {
  const checks: AuthCheck[] = [];
  const server: Server = createServer(async (request, response) => {
    let body = '';
    for await (const chunk of request) body += String(chunk);
    checks.push({ path: request.url ?? '', headers: flatHeaders(request.headers), body });
    if (request.headers['x-auth'] === 'allow' || request.headers.authorization === 'Bearer allow') {
      response.writeHead(200, { 'x-user': 'alice', 'x-not-copied': 'secret' });
      response.end();
    } else {
      response.writeHead(403, { 'x-deny-reason': 'http-auth says no', 'content-type': 'text/plain' });
      response.end('denied by the HTTP auth server');
    }
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return {
    port: (server.address() as { port: number }).port,
    checks,
    close: () => {
      server.closeAllConnections();
      return new Promise((ok) => server.close(() => ok()));
    },
  };
}

interface CheckRequest {
  attributes?: { request?: { http?: { path?: string; headers?: Record<string, string> } } };
}

/** gRPC: allow is code OK with `x-user: bob` added upstream; deny is PERMISSION_DENIED with an HTTP 401, a header and a body. */
export async function startGrpcAuthServer(): Promise<AuthServer> {
  const checks: AuthCheck[] = [];
  const server = new grpc.Server();
  server.addService(authorizationService(), {
    Check: (call: grpc.ServerUnaryCall<CheckRequest, unknown>, callback: grpc.sendUnaryData<unknown>) => {
      const http = call.request.attributes?.request?.http ?? {};
      const headers = http.headers ?? {};
      checks.push({ path: http.path ?? '', headers });
      if (headers['x-auth'] === 'allow') {
        callback(null, {
          status: { code: grpc.status.OK },
          okResponse: { headers: [{ header: { key: 'x-user', value: 'bob' } }] },
        });
      } else {
        callback(null, {
          status: { code: grpc.status.PERMISSION_DENIED },
          deniedResponse: {
            status: { code: 'Unauthorized' },
            headers: [{ header: { key: 'x-deny-reason', value: 'grpc-auth says no' } }],
            body: 'denied by the gRPC auth server',
          },
        });
      }
    },
  });
  const port = await new Promise<number>((ok, fail) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, bound) => (error ? fail(error) : ok(bound))),
  );
  return { port, checks, close: () => new Promise((ok) => server.tryShutdown(() => ok())) };
}

function flatHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : String(v)]));
}

/** envoy.service.auth.v3.Authorization, from the protos under @grpc/grpc-js-xds/deps. */
function authorizationService(): grpc.ServiceDefinition {
  const deps = join(dirname(require.resolve('@grpc/grpc-js-xds/package.json')), 'deps');
  const definition = protoLoader.loadSync('envoy/service/auth/v3/external_auth.proto', {
    keepCase: false,
    defaults: false,
    enums: String,
    includeDirs: ['envoy-api', 'xds', 'googleapis', 'protoc-gen-validate'].map((d) => join(deps, d)),
  });
  const root = grpc.loadPackageDefinition(definition) as unknown as {
    envoy: { service: { auth: { v3: { Authorization: grpc.ServiceClientConstructor } } } };
  };
  return root.envoy.service.auth.v3.Authorization.service;
}
