/**
 * Real gRPC backends for the end-to-end tests: @grpc/grpc-js servers on 127.0.0.1, each serving
 * portico.test.Echo (proto/portico/test/echo.proto) and answering with its own name.
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

const PROTO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../proto');

export interface WhoReply {
  backend: string;
  method: string;
}

export type EchoClient = grpc.Client & {
  Who(request: { caller?: string }, metadata: grpc.Metadata, options: grpc.CallOptions, callback: (error: grpc.ServiceError | null, reply?: WhoReply) => void): grpc.ClientUnaryCall;
  Admin(request: { caller?: string }, metadata: grpc.Metadata, options: grpc.CallOptions, callback: (error: grpc.ServiceError | null, reply?: WhoReply) => void): grpc.ClientUnaryCall;
};

interface EchoPackage {
  Echo: grpc.ServiceClientConstructor;
}

let loaded: EchoPackage | undefined;

/** portico.test.Echo, loaded once with @grpc/proto-loader. */
export function echoPackage(): EchoPackage {
  if (loaded) return loaded;
  const definition = protoLoader.loadSync(join(PROTO_ROOT, 'portico/test/echo.proto'), { keepCase: false, defaults: true });
  const root = grpc.loadPackageDefinition(definition) as unknown as { portico: { test: EchoPackage } };
  loaded = root.portico.test;
  return loaded;
}

export interface EchoBackend {
  name: string;
  port: number;
  /** Calls served so far. */
  served(): number;
  close(): Promise<void>;
}

/** `host`: where to listen; a Kubernetes EndpointSlice may not name a loopback address (kubernetes-serve.test.ts). */
export async function startEchoBackend(name: string, host = '127.0.0.1'): Promise<EchoBackend> {
  const server = new grpc.Server();
  let served = 0;
  const answer = (method: string) => (_call: grpc.ServerUnaryCall<unknown, WhoReply>, callback: grpc.sendUnaryData<WhoReply>) => {
    served += 1;
    callback(null, { backend: name, method });
  };
  server.addService(echoPackage().Echo.service, { Who: answer('/portico.test.Echo/Who'), Admin: answer('/portico.test.Echo/Admin') });
  const port = await new Promise<number>((ok, fail) =>
    server.bindAsync(`${host}:0`, grpc.ServerCredentials.createInsecure(), (error, bound) => (error ? fail(error) : ok(bound))),
  );
  return {
    name,
    port,
    served: () => served,
    close: () =>
      new Promise<void>((done) => {
        // Gracefully, but never wait long on a client that keeps its connection open.
        const timer = setTimeout(() => server.forceShutdown(), 2_000);
        server.tryShutdown(() => {
          clearTimeout(timer);
          done();
        });
      }),
  };
}

export async function startEchoBackends<N extends string>(names: readonly N[], host?: string): Promise<Record<N, EchoBackend>> {
  const started = await Promise.all(names.map((n) => startEchoBackend(n, host)));
  return Object.fromEntries(started.map((b) => [b.name, b])) as Record<N, EchoBackend>;
}
