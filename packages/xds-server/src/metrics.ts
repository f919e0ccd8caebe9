/**
 * Prometheus metrics of the xDS server, in a registry of their own (never prom-client's global one,
 * so two servers in one process, or a test, never share counters). The admin server serves
 * `registry.metrics()` at /metrics.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { StreamEvent } from './types.js';

export interface XdsMetrics {
  registry: Registry;
  /** Counts one stream's event (the server calls it for every event of every stream). */
  record(event: StreamEvent, protocol: StreamProtocol): void;
  /** A stream refused, or ended by the server because of its client (limits, bad requests). */
  recordRefusal(reason: string): void;
  /** Responses never written: superseded by a newer one while waiting, or left by a closed stream. */
  recordDropped(reason: string, count: number): void;
  /** A response handed to the transport (encoded and written). */
  recordWritten(protocol: StreamProtocol): void;
}

export type StreamProtocol = 'sotw' | 'delta';

/**
 * Push latency buckets, in seconds: from a sub-millisecond push to one stream up to the seconds a
 * fan-out to thousands of Envoys on a busy control plane may take.
 */
const PUSH_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export function createXdsMetrics(registry: Registry = new Registry()): XdsMetrics {
  const connected = new Gauge({
    name: 'portico_xds_connected_clients',
    help: 'xDS streams (one per connected Envoy or gRPC client) open now',
    labelNames: ['protocol'],
    registers: [registry],
  });
  const pushes = new Counter({
    name: 'portico_xds_pushes_total',
    help: 'Discovery responses built for a stream, by resource type (one replaced while its client was not reading is also counted in portico_xds_responses_dropped_total)',
    labelNames: ['type_url'],
    registers: [registry],
  });
  const pushedResources = new Counter({
    name: 'portico_xds_pushed_resources_total',
    help: 'Resources sent in discovery responses, by resource type',
    labelNames: ['type_url'],
    registers: [registry],
  });
  const pushedBytes = new Counter({
    name: 'portico_xds_pushed_bytes_total',
    help: 'Encoded resource bytes sent in discovery responses, by resource type',
    labelNames: ['type_url'],
    registers: [registry],
  });
  const acks = new Counter({
    name: 'portico_xds_acks_total',
    help: 'Responses a client accepted (ACK), by resource type',
    labelNames: ['type_url'],
    registers: [registry],
  });
  const nacks = new Counter({
    name: 'portico_xds_nacks_total',
    help: 'Responses a client rejected (NACK, it keeps its last good config), by resource type',
    labelNames: ['type_url'],
    registers: [registry],
  });
  const pushDuration = new Histogram({
    name: 'portico_xds_push_duration_seconds',
    help: 'Time from a snapshot being published (or a request arriving) to its response being sent, by resource type',
    labelNames: ['type_url'],
    buckets: PUSH_BUCKETS,
    registers: [registry],
  });
  const refused = new Counter({
    name: 'portico_xds_streams_refused_total',
    help: 'xDS streams refused or ended by the server because of their client, by reason (stream limits, a client that stopped reading, unknown type URL, malformed request)',
    labelNames: ['reason'],
    registers: [registry],
  });
  const dropped = new Counter({
    name: 'portico_xds_responses_dropped_total',
    help: 'Responses never written: superseded by a newer one while the client was not reading, or left when the stream closed',
    labelNames: ['reason'],
    registers: [registry],
  });
  const written = new Counter({
    name: 'portico_xds_responses_written_total',
    help: 'Responses encoded and handed to the transport, by stream protocol',
    labelNames: ['protocol'],
    registers: [registry],
  });
  for (const protocol of ['sotw', 'delta']) written.labels(protocol).inc(0);
  for (const reason of ['superseded', 'stream_closed']) dropped.labels(reason).inc(0);
  // Labelled series appear at zero from the start, so a dashboard shows 0 rather than no data.
  connected.labels('sotw').set(0);
  connected.labels('delta').set(0);

  return {
    registry,
    recordRefusal: (reason) => refused.labels(reason).inc(),
    recordDropped: (reason, count) => dropped.labels(reason).inc(count),
    recordWritten: (protocol) => written.labels(protocol).inc(),
    record(event, protocol) {
      switch (event.kind) {
        case 'connected':
          connected.labels(protocol).inc();
          break;
        case 'closed':
          connected.labels(protocol).dec();
          break;
        case 'push':
          pushes.labels(event.typeUrl).inc();
          pushedResources.labels(event.typeUrl).inc(event.resources);
          pushedBytes.labels(event.typeUrl).inc(event.bytes);
          if (event.latencyMs !== undefined) pushDuration.labels(event.typeUrl).observe(event.latencyMs / 1000);
          break;
        case 'ack':
          acks.labels(event.typeUrl).inc();
          break;
        case 'nack':
          nacks.labels(event.typeUrl).inc();
          break;
      }
    },
  };
}
