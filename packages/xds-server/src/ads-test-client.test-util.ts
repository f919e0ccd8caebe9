/**
 * A bare ADS client for tests: the server's own hand-made service definition turned into a gRPC
 * client, with a queue of received responses, so a test reads them in order with a deadline.
 */
import { credentials, makeGenericClientConstructor, type ChannelCredentials, type ChannelOptions, type ClientDuplexStream } from '@grpc/grpc-js';
import { adsServiceDefinition } from './ads-service.js';
import type { DeltaDiscoveryRequest, DeltaDiscoveryResponse, DiscoveryRequest, DiscoveryResponse } from './types.js';

export interface TestStream<Req, Res> {
  send(request: Req): void;
  /** The next response, or a rejection after `timeoutMs`. */
  next(timeoutMs?: number): Promise<Res>;
  /** Resolves with the final status (code, details) when the server ends the call. */
  status: Promise<{ code: number; details: string }>;
  end(): void;
  cancel(): void;
}

export interface TestAdsClient {
  /** `read: false` leaves responses unread (flow control then stops the server's writes). */
  sotw(options?: { read?: boolean }): TestStream<DiscoveryRequest, DiscoveryResponse>;
  delta(options?: { read?: boolean }): TestStream<DeltaDiscoveryRequest, DeltaDiscoveryResponse>;
  close(): void;
}

type AdsClient = {
  StreamAggregatedResources(): ClientDuplexStream<DiscoveryRequest, DiscoveryResponse>;
  DeltaAggregatedResources(): ClientDuplexStream<DeltaDiscoveryRequest, DeltaDiscoveryResponse>;
  close(): void;
};

export function createTestAdsClient(address: string, creds: ChannelCredentials = credentials.createInsecure(), options: ChannelOptions = {}): TestAdsClient {
  const Client = makeGenericClientConstructor(adsServiceDefinition(), 'AggregatedDiscoveryService');
  const client = new Client(address, creds, options) as unknown as AdsClient;
  return {
    sotw: (o = {}) => wrap(client.StreamAggregatedResources(), o.read ?? true),
    delta: (o = {}) => wrap(client.DeltaAggregatedResources(), o.read ?? true),
    close: () => client.close(),
  };
}

function wrap<Req, Res>(call: ClientDuplexStream<Req, Res>, read: boolean): TestStream<Req, Res> {
  const received: Res[] = [];
  const waiting: ((r: Res) => void)[] = [];
  if (read) {
    call.on('data', (response: Res) => {
      const waiter = waiting.shift();
      if (waiter) waiter(response);
      else received.push(response);
    });
  }
  const status = new Promise<{ code: number; details: string }>((resolve) => {
    call.on('status', (s: { code: number; details: string }) => resolve({ code: s.code, details: s.details }));
    // The status event follows an error; the error itself needs a listener or it would be thrown.
    call.on('error', () => {});
  });
  return {
    send: (request) => void call.write(request),
    next(timeoutMs = 5_000) {
      const ready = received.shift();
      if (ready) return Promise.resolve(ready);
      return new Promise<Res>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiting.splice(waiting.indexOf(waiter), 1);
          reject(new Error(`no response within ${timeoutMs} ms`));
        }, timeoutMs);
        const waiter = (r: Res) => {
          clearTimeout(timer);
          resolve(r);
        };
        waiting.push(waiter);
      });
    },
    status,
    end: () => call.end(),
    cancel: () => call.cancel(),
  };
}
