// The fan-out clients of the ads-fanout scenario, run in a worker thread (ads-fanout.mjs starts it):
// N Envoy-like ADS streams over ceil(N / perChannel) grpc-js channels. They live off the server's
// thread because real Envoys are other processes: on one event loop, the clients' reads would queue
// behind the server's writes and the figure would mostly measure that queue.
//
// Each stream subscribes like an Envoy of the gateway (node.cluster = the gateway): CDS and LDS
// wildcard, EDS and RDS by name (the names are given, rather than read from the CDS and LDS
// responses, so that a client never decodes a resource), and ACKs every response at once. Responses are
// decoded only as far as the measure needs: type URL, version, nonce. Receipt times are
// process.hrtime.bigint(), the monotonic clock the server thread reads too.
//
// Messages: workerData = { port, protocol: 'sotw' | 'delta', clients, firstClient (the number of this
// thread's first stream, when the clients are spread over several threads), perChannel, gateway,
// subscriptions: [{ typeUrl, names }], timeoutMs }. The worker posts { kind: 'ready' } once every
// stream has had a response of every type; then answers { kind: 'expect', typeUrl, version } with
// { kind: 'received', times, busyMs } (each stream's receipt time of that version, ns; this thread's
// busy time from reading the 'expect' to the last receipt: the clients' own share of the figure, which
// bounds it when it comes close, on a 2-core machine where the server has the other core) and { kind: 'close' }
// by closing everything and exiting. Any failure is posted as { kind: 'error', message }.
import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import { Client, credentials } from '@grpc/grpc-js';
import protobuf from 'protobufjs';
import { envoyProtos } from '@portico/envoy';

const ADS = '/envoy.service.discovery.v3.AggregatedDiscoveryService/';
const POLL_MS = 5;

// Envoy's default HTTP/2 windows (initial_stream_window_size and initial_connection_window_size, 256 MiB):
// with grpc-js' 64 KiB default, a 400 KB RDS response would wait for several window updates per stream.
const CHANNEL_OPTIONS = {
  'grpc.use_local_subchannel_pool': 1, // one TCP connection per channel (grpc-js shares them by default)
  'grpc-node.flow_control_window': 256 * 1024 * 1024,
  'grpc.max_receive_message_length': 64 * 1024 * 1024,
};

/** The two ADS flavours, as a client speaks them. */
const DIALECTS = {
  sotw: {
    method: 'StreamAggregatedResources',
    request: 'envoy.service.discovery.v3.DiscoveryRequest',
    response: 'envoy.service.discovery.v3.DiscoveryResponse',
    versionField: 'versionInfo',
    subscribe: ({ typeUrl, names }) => ({ typeUrl, resourceNames: names }),
    // A SotW ACK repeats the subscription, with the version and nonce it accepts.
    ack: ({ typeUrl, names }, response) => ({ typeUrl, resourceNames: names, versionInfo: response.versionInfo, responseNonce: response.nonce }),
  },
  delta: {
    method: 'DeltaAggregatedResources',
    request: 'envoy.service.discovery.v3.DeltaDiscoveryRequest',
    response: 'envoy.service.discovery.v3.DeltaDiscoveryResponse',
    versionField: 'systemVersionInfo',
    subscribe: ({ typeUrl, names }) => ({ typeUrl, resourceNamesSubscribe: names }),
    ack: ({ typeUrl }, response) => ({ typeUrl, responseNonce: response.nonce }),
  },
};

/**
 * Serializer for requests (the full message type) and a deserializer that reads only the response's
 * version, type URL and nonce: a message type holding just those fields, with the field numbers of the
 * real one, so protobufjs skips the resources without decoding them.
 */
function codecs(dialect) {
  const root = envoyProtos();
  const requestType = root.lookupType(dialect.request);
  const responseType = root.lookupType(dialect.response);
  const fields = Object.fromEntries(
    [dialect.versionField, 'typeUrl', 'nonce'].map((name) => [name, { type: 'string', id: responseType.fields[name].id }]),
  );
  const head = protobuf.Type.fromJSON(`${responseType.name}Head`, { fields });
  return {
    serialize: (request) => {
      const bytes = requestType.encode(requestType.fromObject(request)).finish();
      return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    },
    deserialize: (bytes) => head.decode(bytes),
  };
}

/** One Envoy-like stream: subscribes to every type, ACKs every response, remembers what it got when. */
function openStream(client, index, { dialect, codec, gateway, subscriptions, onFailure }) {
  const call = client.makeBidiStreamRequest(ADS + dialect.method, codec.serialize, codec.deserialize);
  const byType = new Map(subscriptions.map((s) => [s.typeUrl, s]));
  /** typeUrl → { version, at }: the latest response of each type. */
  const latest = new Map();
  let closing = false;
  call.on('data', (response) => {
    const at = process.hrtime.bigint();
    latest.set(response.typeUrl, { version: response[dialect.versionField], at });
    call.write(dialect.ack(byType.get(response.typeUrl), response));
  });
  call.on('error', (error) => {
    if (!closing) onFailure(`stream ${index}: ${error.message}`);
  });
  // Only the first request carries the node (Envoy may send it on every one; once is enough).
  const node = { id: `bench-envoy-${index}`, cluster: gateway };
  subscriptions.forEach((s, i) => call.write({ ...dialect.subscribe(s), ...(i === 0 ? { node } : {}) }));
  return {
    latest,
    close() {
      closing = true;
      call.cancel();
    },
  };
}

/** Polls `check` until it holds; rejects after `timeoutMs` with what was still missing. */
function until(check, timeoutMs, what) {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const timer = setInterval(() => {
      if (check()) {
        clearInterval(timer);
        resolve();
      } else if (Date.now() - started > timeoutMs) {
        clearInterval(timer);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what()}`));
      }
    }, POLL_MS);
  });
}

async function main() {
  const { port, protocol, clients: count, firstClient = 0, perChannel, gateway, subscriptions, timeoutMs } = workerData;
  const dialect = DIALECTS[protocol];
  const codec = codecs(dialect);
  const channels = [];
  const streams = [];
  let failure;
  const onFailure = (message) => {
    failure ??= message;
    parentPort.postMessage({ kind: 'error', message });
  };
  const synced = (s) => subscriptions.every((sub) => s.latest.has(sub.typeUrl));

  parentPort.on('message', async (message) => {
    if (message.kind === 'expect') {
      // Settled when every stream has had a response of that type at that version.
      const got = (s) => s.latest.get(message.typeUrl)?.version === message.version;
      const busyBefore = performance.eventLoopUtilization();
      try {
        await until(() => failure !== undefined || streams.every(got), timeoutMs, () => `${streams.filter((s) => !got(s)).length} of ${streams.length} streams to receive ${message.version}`);
        const busyMs = performance.eventLoopUtilization(busyBefore).active;
        if (failure === undefined) parentPort.postMessage({ kind: 'received', times: streams.map((s) => s.latest.get(message.typeUrl).at), busyMs });
      } catch (error) {
        onFailure(error.message);
      }
    } else if (message.kind === 'close') {
      for (const s of streams) s.close();
      for (const c of channels) c.close();
      parentPort.close(); // nothing else holds the worker's event loop: it exits
    }
  });

  // Channel by channel, each batch in sync before the next opens: the initial responses (about 1 MB per
  // stream at 1,000 routes) of 1,000 streams at once would all sit in memory together.
  for (let first = 0; first < count; first += perChannel) {
    const channel = new Client(`127.0.0.1:${port}`, credentials.createInsecure(), CHANNEL_OPTIONS);
    channels.push(channel);
    const batch = [];
    for (let i = first; i < Math.min(count, first + perChannel); i++) batch.push(openStream(channel, firstClient + i, { dialect, codec, gateway, subscriptions, onFailure }));
    streams.push(...batch);
    await until(() => failure !== undefined || batch.every(synced), timeoutMs, () => `${batch.filter((s) => !synced(s)).length} streams of channel ${channels.length} to sync`);
    if (failure !== undefined) return;
  }
  parentPort.postMessage({ kind: 'ready', channels: channels.length });
}

main().catch((error) => parentPort.postMessage({ kind: 'error', message: error.message }));
