/**
 * What one client may cost the server, over real sockets (127.0.0.1): a client that stops reading,
 * streams over the limits, unknown type URLs, malformed frames, huge NACK texts, streams reset right
 * after their request. The rules themselves are unit-tested in response-outbox.test.ts.
 */
import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { connect, constants } from 'node:http2';
import { status } from '@grpc/grpc-js';
import { Registry } from 'prom-client';
import { ADS_SERVICE, adsServiceDefinition, type StreamRefusal } from './ads-service.js';
import { createTestAdsClient, type TestAdsClient } from './ads-test-client.test-util.js';
import { MAX_ERROR_DETAIL_BYTES } from './streams/error-detail.js';
import { createSnapshotCache, type SnapshotCache } from './snapshot-cache.js';
import type { CachedResource, DiscoveryRequest } from './types.js';
import { createXdsGrpcServer, type XdsGrpcServer, type XdsGrpcServerOptions } from './xds-grpc-server.js';

const CDS = 'type.googleapis.com/envoy.config.cluster.v3.Cluster';
const GATEWAY = 'default/eg';
const NODE = { id: 'envoy-1', cluster: GATEWAY };

function resource(name: string, bytes: Uint8Array): CachedResource {
  return { name, version: `v-${name}-${bytes.length}-${bytes[0] ?? 0}`, bytes, wildcard: true };
}

// These tests push up to 20 MB through real HTTP/2 connections and gRPC decoding, and wait out the
// server's maxBlockedMs: a few seconds on a loaded 2-core CI machine, more than Jest's 5 s default.
jest.setTimeout(30_000);

let cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
});

async function start(options: Partial<XdsGrpcServerOptions> = {}) {
  const cache = createSnapshotCache({ bootId: 'bounds' });
  cache.setSnapshot(GATEWAY, new Map([[CDS, [resource('a', Uint8Array.from([1]))]]]));
  const refusals: StreamRefusal[] = [];
  const metrics = new Registry();
  const server = createXdsGrpcServer({ watcher: cache, address: '127.0.0.1:0', metrics, onStreamRefused: (r) => refusals.push(r), ...options });
  const port = await server.start();
  const client = createTestAdsClient(`127.0.0.1:${port}`);
  cleanups.push(() => server.shutdown(500), () => client.close());
  const metric = async (name: string, labels: string) => {
    const match = new RegExp(`^${name}\\{${labels}\\} (\\d+)$`, 'm').exec(await metrics.metrics());
    return Number(match?.[1] ?? 0);
  };
  return { cache, server, port, client, refusals, metric };
}

/** A raw HTTP/2 ADS call that never reads: its flow-control window fills and the server's writes stop. */
function rawCall(port: number, method = 'StreamAggregatedResources') {
  const session = connect(`http://127.0.0.1:${port}`);
  session.on('error', () => {});
  const call = session.request({ ':method': 'POST', ':path': `/${ADS_SERVICE}/${method}`, 'content-type': 'application/grpc', te: 'trailers' });
  call.on('error', () => {});
  call.pause();
  cleanups.push(() => session.destroy());
  const closed = new Promise<number>((resolve) => call.on('close', () => resolve(call.rstCode ?? -1)));
  return { session, call, closed, send: (bytes: Buffer) => call.write(grpcFrame(bytes)) };
}

function grpcFrame(message: Buffer): Buffer {
  const frame = Buffer.alloc(5 + message.length);
  frame.writeUInt32BE(message.length, 1);
  message.copy(frame, 5);
  return frame;
}

const encodeRequest = (request: DiscoveryRequest) => adsServiceDefinition().StreamAggregatedResources!.requestSerialize(request);

async function waitFor<T>(check: () => T | Promise<T>, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('a client that stops reading', () => {
  it('keeps only the newest response per type, then is reset with ENHANCE_YOUR_CALM (RESOURCE_EXHAUSTED)', async () => {
    const { cache, server, port, refusals, metric } = await start({ limits: { maxBlockedMs: 400 } });
    const raw = rawCall(port);
    raw.send(encodeRequest({ node: NODE, typeUrl: CDS }));
    await waitFor(() => server.clients()[0]?.types[CDS]?.pushes === 1);
    for (let edit = 1; edit <= 20; edit++) cache.setSnapshot(GATEWAY, new Map([[CDS, [resource('a', new Uint8Array(1024 * 1024).fill(edit))]]]));
    // Responses 2..20 were built; one waits, each newer one replaced it.
    expect(await metric('portico_xds_responses_dropped_total', 'reason="superseded"')).toBeGreaterThanOrEqual(18);
    expect(await metric('portico_xds_responses_written_total', 'protocol="sotw"')).toBeLessThanOrEqual(2);
    expect(await raw.closed).toBe(constants.NGHTTP2_ENHANCE_YOUR_CALM);
    expect(refusals).toEqual([expect.objectContaining({ reason: 'blocked', code: status.RESOURCE_EXHAUSTED, details: expect.stringMatching(/has not read a response for 400 ms/) })]);
    expect(server.clients()).toEqual([]);
    expect(await metric('portico_xds_streams_refused_total', 'reason="blocked"')).toBe(1);
  });

  it('a client reading on the same server keeps receiving every update meanwhile', async () => {
    // The reader runs in this process, so it reads only when this event loop is free: on a loaded CI
    // machine (two Jest workers, Envoy and kube-apiserver tests beside them) the loop stalled past 400 ms
    // and the server rightly reset the reader as blocked too (reproduced with a 600 ms busy loop: both
    // streams refused, "no response within 5000 ms"). With a 2 s bound the point stands: the stalled raw
    // call is reset, the reader gets all 20 updates meanwhile. (The server's default bound is 30 s.)
    const { cache, port, client, refusals } = await start({ limits: { maxBlockedMs: 2_000 } });
    const raw = rawCall(port);
    raw.send(encodeRequest({ node: NODE, typeUrl: CDS }));
    const reader = client.sotw();
    reader.send({ node: NODE, typeUrl: CDS });
    const next = () => reader.next().catch((error: Error) => Promise.reject(new Error(`${error.message}; streams refused: ${JSON.stringify(refusals)}`)));
    let last = await next();
    for (let edit = 1; edit <= 20; edit++) {
      cache.setSnapshot(GATEWAY, new Map([[CDS, [resource('a', new Uint8Array(512 * 1024).fill(edit))]]]));
      last = await next();
      reader.send({ node: NODE, typeUrl: CDS, versionInfo: last.versionInfo, responseNonce: last.nonce });
    }
    expect(last.resources[0]!.value[0]).toBe(20);
    expect(await raw.closed).toBe(constants.NGHTTP2_ENHANCE_YOUR_CALM);
    // Only the raw call was refused.
    expect(refusals).toHaveLength(1);
  });

});

describe('a delta client that stops reading', () => {
  it('loses nothing while waiting (delta responses are diffs) and is reset after maxBlockedMs', async () => {
    const { cache, server, port, refusals, metric } = await start({ limits: { maxBlockedMs: 400 } });
    cache.setSnapshot(GATEWAY, new Map([[CDS, [resource('a', new Uint8Array(1024 * 1024).fill(1))]]]));
    const raw = rawCall(port, 'DeltaAggregatedResources');
    raw.send(adsServiceDefinition().DeltaAggregatedResources!.requestSerialize({ node: NODE, typeUrl: CDS }));
    await waitFor(() => server.clients()[0]?.types[CDS]?.pushes === 1);
    for (let edit = 2; edit <= 5; edit++) cache.setSnapshot(GATEWAY, new Map([[CDS, [resource('a', new Uint8Array(1024 * 1024).fill(edit))]]]));
    expect(await raw.closed).toBe(constants.NGHTTP2_ENHANCE_YOUR_CALM);
    // The delta state machine waits for the ACK of its one response in flight: nothing more was built.
    expect(await metric('portico_xds_responses_dropped_total', 'reason="superseded"')).toBe(0);
    expect(refusals.map((r) => [r.stream.protocol, r.reason])).toEqual([['delta', 'blocked']]);
    expect(server.clients()).toEqual([]);
  });
});

describe('stream limits', () => {
  it('refuses streams past the per-connection limit with RESOURCE_EXHAUSTED', async () => {
    const { client, server, refusals } = await start({ limits: { maxStreamsPerConnection: 3 } });
    const streams = [0, 1, 2].map(() => client.sotw());
    streams.forEach((s) => s.send({ node: NODE, typeUrl: CDS }));
    await Promise.all(streams.map((s) => s.next()));
    const extra = client.sotw();
    extra.send({ node: NODE, typeUrl: CDS });
    expect(await extra.status).toMatchObject({ code: status.RESOURCE_EXHAUSTED, details: expect.stringMatching(/this connection has 3 xDS streams open/) });
    expect(refusals.map((r) => r.reason)).toEqual(['too_many_streams_on_connection']);
    // A stream that ends frees its place.
    streams[0]!.cancel();
    await waitFor(() => server.clients().length === 2);
    const again = client.sotw();
    again.send({ node: NODE, typeUrl: CDS });
    await expect(again.next()).resolves.toMatchObject({ typeUrl: CDS });
  });

  it('refuses streams past the total limit, whatever the connection', async () => {
    const { port, client, refusals } = await start({ limits: { maxStreams: 2 } });
    const streams = [client.sotw(), client.delta()];
    streams.forEach((s) => s.send({ node: NODE, typeUrl: CDS }));
    await Promise.all(streams.map((s) => s.next()));
    const other = createTestAdsClient(`127.0.0.1:${port}`, undefined, { 'grpc.use_local_subchannel_pool': 1 });
    cleanups.push(() => other.close());
    const extra = other.sotw();
    extra.send({ node: NODE, typeUrl: CDS });
    expect(await extra.status).toMatchObject({ code: status.RESOURCE_EXHAUSTED, details: expect.stringMatching(/has 2 streams open/) });
    expect(refusals.map((r) => r.reason)).toEqual(['too_many_streams']);
  });
});

describe('bad requests', () => {
  it('ends a stream that asks for an unknown type URL with INVALID_ARGUMENT, remembering nothing', async () => {
    const { client, server, refusals } = await start();
    const stream = client.sotw();
    stream.send({ node: NODE, typeUrl: CDS });
    await stream.next();
    stream.send({ node: NODE, typeUrl: 'type.googleapis.com/made.up.Type' });
    expect(await stream.status).toMatchObject({ code: status.INVALID_ARGUMENT, details: expect.stringMatching(/unknown type URL 'type.googleapis.com\/made.up.Type'/) });
    expect(refusals.map((r) => r.reason)).toEqual(['unknown_type_url']);
    expect(server.clients()).toEqual([]);
    const delta = client.delta();
    delta.send({ node: NODE, typeUrl: 'type.googleapis.com/envoy.service.runtime.v3.Runtime' });
    expect(await delta.status).toMatchObject({ code: status.INVALID_ARGUMENT });
  });

  it('ends a stream that sends a malformed protobuf frame with INVALID_ARGUMENT', async () => {
    const { port, server, refusals } = await start();
    const raw = rawCall(port);
    raw.call.resume();
    // A status without any response comes as a trailers-only response: in the headers.
    const trailers = new Promise<Record<string, unknown>>((resolve) => {
      const withStatus = (h: Record<string, unknown>) => h['grpc-status'] !== undefined && resolve({ ...h, 'grpc-message': decodeURIComponent(String(h['grpc-message'])) });
      raw.call.on('response', withStatus);
      raw.call.on('trailers', withStatus);
    });
    // A field tag whose varint never ends.
    raw.send(Buffer.from([0xff, 0xff, 0xff]));
    expect(await trailers).toMatchObject({ 'grpc-status': String(status.INVALID_ARGUMENT), 'grpc-message': expect.stringMatching(/^malformed request/) });
    expect(refusals.map((r) => r.reason)).toEqual(['malformed_request']);
    expect(server.clients()).toEqual([]);
  });

  it('keeps 4 KiB of a 4 MB NACK text in the registry', async () => {
    const { cache, client, server } = await start();
    const stream = client.sotw();
    stream.send({ node: NODE, typeUrl: CDS });
    await stream.next();
    cache.setSnapshot(GATEWAY, new Map([[CDS, [resource('a', Uint8Array.from([2]))]]]));
    const second = await stream.next();
    stream.send({ node: NODE, typeUrl: CDS, responseNonce: second.nonce, errorDetail: { code: 3, message: 'x'.repeat(4 * 1024 * 1024) } });
    const nack = (await waitFor(() => server.clients()[0]?.types[CDS]?.lastNack))!;
    expect(nack.message.startsWith('x'.repeat(MAX_ERROR_DETAIL_BYTES) + '…')).toBe(true);
    expect(nack.message.length).toBeLessThan(MAX_ERROR_DETAIL_BYTES + 64);
  });
});

describe('a stream reset right after its request', () => {
  it('costs no response: nothing is encoded or written for it', async () => {
    const big = new Uint8Array(4 * 1024 * 1024).fill(3);
    const { cache, port, client, metric } = await start();
    cache.setSnapshot(GATEWAY, new Map([[CDS, [resource('a', big)]]]));
    const raw = rawCall(port);
    // The request and the reset leave in one write of the session.
    raw.call.write(grpcFrame(encodeRequest({ node: NODE, typeUrl: CDS })));
    raw.call.close(constants.NGHTTP2_CANCEL);
    await raw.closed;
    // A later stream's answer shows the server has handled everything before it.
    const after = createTestAdsClient(`127.0.0.1:${port}`, undefined, { 'grpc.max_receive_message_length': -1 });
    cleanups.push(() => after.close());
    const stream = after.sotw();
    stream.send({ node: NODE, typeUrl: CDS });
    await stream.next();
    expect(await metric('portico_xds_responses_written_total', 'protocol="sotw"')).toBe(1);
    void client;
  });
});
