/**
 * The control plane, wired in-process the way `portico serve` wires it: Gateway API YAML → translate
 * → per gateway IR → the server package's publisher (buildXds with the proxyless resources →
 * encodeResources → consistency gate → the snapshot cache), behind the ADS gRPC server.
 */
import { parseResources, ResourceSet } from '@portico/resources';
import { createXdsPublisher, type PublishResult } from '@portico/server';
import { translate } from '@portico/translator';
import { createXdsGrpcServer, type SnapshotCache, type StreamEvent, type StreamRef, type XdsGrpcServer } from '@portico/xds-server';

export type { PublishResult };

export interface ControlPlane {
  cache: SnapshotCache;
  server: XdsGrpcServer;
  port: number;
  /** Translates the YAML and publishes a snapshot for every gateway in it. */
  publish(yaml: string): PublishResult[];
  /** Every stream event so far, in order. */
  events: { event: StreamEvent; stream: StreamRef }[];
  close(): Promise<void>;
}

/** Starts the xDS server on 127.0.0.1 (a free port) over a fresh snapshot cache. */
export async function startControlPlane(): Promise<ControlPlane> {
  const publisher = createXdsPublisher();
  const events: ControlPlane['events'] = [];
  const server = createXdsGrpcServer({ watcher: publisher.cache, address: '127.0.0.1:0', onEvent: (event, stream) => events.push({ event, stream }) });
  const port = await server.start();
  return {
    cache: publisher.cache,
    server,
    port,
    events,
    publish(yaml) {
      const { objects } = parseResources(yaml, 'e2e.yaml');
      const { gateways } = translate(ResourceSet.from(objects));
      return [...gateways].map(([gateway, ir]) => publisher.publishGateway(gateway, ir));
    },
    close: () => server.shutdown(2_000),
  };
}
