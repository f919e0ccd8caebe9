/**
 * The parts writer over a real @grpc/grpc-js server and client (127.0.0.1): what it writes must be,
 * for the client, exactly the gRPC messages `call.write` would have sent; and it must say so when it
 * cannot reach the HTTP/2 stream, so that the caller writes through grpc-js instead.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { Client, credentials, Server, ServerCredentials, status, type ServerDuplexStream, type ServiceDefinition } from '@grpc/grpc-js';
import { writeMessageParts } from './message-parts-write.js';

const PATH = '/test.Echo/Parts';
const identity = (bytes: Buffer) => bytes;
const DEFINITION = {
  Parts: { path: PATH, requestStream: true, responseStream: true, requestSerialize: identity, requestDeserialize: identity, responseSerialize: identity, responseDeserialize: identity },
} as unknown as ServiceDefinition;

let cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
});

/** A server whose one method hands its call to `handler`, and a client call to it. */
async function connect(handler: (call: ServerDuplexStream<Buffer, Buffer>) => void) {
  const server = new Server();
  server.addService(DEFINITION, { Parts: handler });
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
  const client = new Client(`127.0.0.1:${port}`, credentials.createInsecure());
  cleanups.push(() => new Promise<void>((resolve) => server.tryShutdown(() => resolve())), () => client.close());
  const call = client.makeBidiStreamRequest(PATH, identity, identity);
  const received: Buffer[] = [];
  call.on('data', (message: Buffer) => received.push(Buffer.from(message)));
  const ended = new Promise<number>((resolve) => call.on('status', (s: { code: number }) => resolve(s.code)));
  call.on('error', () => {});
  return { call, received, ended };
}

describe('writing a gRPC message in parts on the call’s HTTP/2 stream', () => {
  it('delivers each message as the concatenation of its parts, shared parts included, then the status', async () => {
    const shared = Buffer.alloc(100_000, 7); // larger than an HTTP/2 frame: split and reassembled
    const flushed: number[] = [];
    const results: boolean[] = [];
    const { call, received, ended } = await connect((server) => {
      server.on('data', () => {
        results.push(writeMessageParts(server, [shared, Buffer.from('a')], () => flushed.push(1)));
        results.push(writeMessageParts(server, [Buffer.from('hello'), new Uint8Array(), shared], () => flushed.push(2)));
        // The gRPC framing of an empty message: the prefix alone.
        results.push(writeMessageParts(server, [new Uint8Array()], () => flushed.push(3)));
        server.end();
      });
    });
    call.write(Buffer.from('go'));
    expect(await ended).toBe(status.OK);
    expect(results).toEqual([true, true, true]);
    expect(received).toEqual([Buffer.concat([shared, Buffer.from('a')]), Buffer.concat([Buffer.from('hello'), shared]), Buffer.alloc(0)]);
    expect(flushed).toEqual([1, 2, 3]);
  });

  it('follows and precedes what grpc-js writes on the same call, in order', async () => {
    const { call, received, ended } = await connect((server) => {
      server.on('data', () => {
        server.write(Buffer.from('one'), () => {
          writeMessageParts(server, [Buffer.from('tw'), Buffer.from('o')], () => server.write(Buffer.from('three'), () => server.end()));
        });
      });
    });
    call.write(Buffer.from('go'));
    expect(await ended).toBe(status.OK);
    expect(received.map(String)).toEqual(['one', 'two', 'three']);
  });

  it('writes nothing and reports true once the stream is closed, and false without an HTTP/2 stream to reach', async () => {
    let after: boolean | undefined;
    const { call, ended } = await connect((server) => {
      server.on('cancelled', () => {
        after = writeMessageParts(server, [Buffer.from('late')], () => {});
      });
    });
    call.write(Buffer.from('go'));
    await new Promise((resolve) => setTimeout(resolve, 100));
    call.cancel();
    expect(await ended).toBe(status.CANCELLED);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(after).toBe(true);
    expect(writeMessageParts({ sendMetadata() {} }, [Buffer.from('x')], () => {})).toBe(false);
    expect(writeMessageParts({ sendMetadata() {}, call: { stream: {} } }, [Buffer.from('x')], () => {})).toBe(false);
  });
});
