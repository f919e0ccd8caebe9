/**
 * Shared delta diffs (delta-diff-cache.ts) and the shared response body (delta-response-codec.ts)
 * change nothing any stream receives: for random clients and snapshots, streams sharing one diff
 * cache, whose responses go through the shared codec, send exactly the bytes' meaning that streams
 * computing their own diffs, encoded whole, do. And the sharing happens: N streams in one state cost
 * one diff and one body per change.
 */
import fc from 'fast-check';
import { envoyProtos } from '@portico/envoy';
import { createDeltaResponseCodec } from '../delta-response-codec.js';
import { createDeltaDiffCache, type DeltaDiffCache } from './delta-diff-cache.js';
import { createDeltaStream } from './delta-stream.js';
import { acceptInFlight, markSent, openSubscription, refuseInFlight } from './delta-subscription.js';
import type { AnyResource, CachedResource, ConfigWatcher, DeltaDiscoveryResponse, ResourceSnapshot, StreamEvent } from '../types.js';

const CDS = 'type.googleapis.com/envoy.config.cluster.v3.Cluster';
const EDS = 'type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment';
const LDS = 'type.googleapis.com/envoy.config.listener.v3.Listener';
const RDS = 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration';
const TYPES = [CDS, EDS, LDS, RDS];
const NAMES = ['a', 'b', 'c', '*'];
const GATEWAY = 'default/gw';
const CLIENTS = 4;

const TYPE = 'envoy.service.discovery.v3.DeltaDiscoveryResponse';
const toWireAny = (any: AnyResource) => ({ type_url: any.typeUrl, value: any.value });

function decode(bytes: Uint8Array) {
  const type = envoyProtos().lookupType(TYPE);
  return type.toObject(type.decode(bytes), { defaults: false, bytes: Buffer });
}

/** The per-stream path's encoding: the whole message at once, as ads-service.ts did before sharing. */
function encodeWhole(response: DeltaDiscoveryResponse): Uint8Array {
  const type = envoyProtos().lookupType(TYPE);
  return type.encode({ ...response, resources: response.resources.map((d) => ({ ...d, resource: toWireAny(d.resource) })) }).finish();
}

type Spec = Record<string, Record<string, [version: string, wildcard: boolean]>>;

function snapshot(version: string, spec: Spec): ResourceSnapshot {
  const resources = new Map<string, Map<string, CachedResource>>();
  for (const [typeUrl, byName] of Object.entries(spec)) {
    const map = new Map<string, CachedResource>();
    for (const [name, [v, wildcard]] of Object.entries(byName)) {
      map.set(name, { name, version: v, bytes: new TextEncoder().encode(`${typeUrl}/${name}@${v}`), wildcard });
    }
    resources.set(typeUrl, map);
  }
  return { version, resources };
}

function fakeWatcher() {
  let current: ResourceSnapshot | undefined;
  const listeners = new Set<(s: ResourceSnapshot) => void>();
  const watcher: ConfigWatcher = {
    snapshot: () => current,
    subscribe(_gateway, onChange) {
      listeners.add(onChange);
      return () => listeners.delete(onChange);
    },
  };
  return {
    watcher,
    publish(s: ResourceSnapshot) {
      current = s;
      for (const l of [...listeners]) l(s);
    },
  };
}

/** One world: CLIENTS streams over one watcher, with or without a shared diff cache. */
function world(diffs: DeltaDiffCache | undefined) {
  const cache = fakeWatcher();
  const codec = createDeltaResponseCodec(envoyProtos().lookupType(TYPE), toWireAny);
  const clients = Array.from({ length: CLIENTS }, (_, i) => {
    const sent: DeltaDiscoveryResponse[] = [];
    const frames: unknown[] = [];
    const events: StreamEvent[] = [];
    let n = 0;
    const stream = createDeltaStream({
      watcher: cache.watcher,
      send: (r) => {
        sent.push(r);
        frames.push(decode(diffs ? codec.serialize(r) : encodeWhole(r)));
      },
      onEvent: (e) => events.push(e),
      nonce: () => `s${i}-${++n}`,
      controlPlaneId: 'portico-0',
      now: () => 0, // push latency is not what is compared
      ...(diffs ? { diffs } : {}),
    });
    return { stream, sent, frames, events };
  });
  return { ...cache, clients, codec };
}

type Op =
  | { kind: 'publish'; version: string; spec: Spec }
  | { kind: 'request'; who: number[]; typeUrl: string; subscribe: string[]; unsubscribe: string[]; initial: Record<string, string> }
  | { kind: 'answer'; who: number[]; typeUrl: string; nack: boolean; back: number };

const version = fc.constantFrom('1', '2');
const spec: fc.Arbitrary<Spec> = fc.dictionary(
  fc.constantFrom(...TYPES),
  fc.dictionary(fc.constantFrom('a', 'b', 'c'), fc.tuple(version, fc.boolean()), { maxKeys: 3 }),
  { maxKeys: 4 },
);
// Mostly every client at once (so that states are shared), sometimes one or two alone.
const who = fc.oneof(
  { weight: 3, arbitrary: fc.constant<number[]>([0, 1, 2, 3]) },
  { weight: 1, arbitrary: fc.uniqueArray(fc.integer({ min: 0, max: CLIENTS - 1 }), { minLength: 1, maxLength: 2 }) },
);
const names = fc.uniqueArray(fc.constantFrom(...NAMES), { maxLength: 3 });
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('publish' as const), version: fc.constantFrom('v1', 'v2', 'v3', 'v4'), spec }),
  fc.record({
    kind: fc.constant('request' as const),
    who,
    typeUrl: fc.constantFrom(...TYPES),
    subscribe: names,
    unsubscribe: names,
    initial: fc.dictionary(fc.constantFrom('a', 'b', 'c'), version, { maxKeys: 2 }),
  }),
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('answer' as const), who, typeUrl: fc.constantFrom(...TYPES), nack: fc.boolean(), back: fc.nat({ max: 1 }) }) },
);

/** Applies one operation to a world; `opened` tracks which client has a subscription of which type. */
function apply(w: ReturnType<typeof world>, o: Op, snapshots: Map<string, ResourceSnapshot>): void {
  if (o.kind === 'publish') {
    // The same snapshot object in both worlds, as the cache publishes one to every stream.
    const key = `${o.version}:${JSON.stringify(o.spec)}`;
    if (!snapshots.has(key)) snapshots.set(key, snapshot(o.version, o.spec));
    return w.publish(snapshots.get(key)!);
  }
  for (const i of o.who) {
    const client = w.clients[i]!;
    if (o.kind === 'request') {
      client.stream.onRequest({
        node: { id: `envoy-${i}`, cluster: GATEWAY },
        typeUrl: o.typeUrl,
        resourceNamesSubscribe: o.subscribe,
        resourceNamesUnsubscribe: o.unsubscribe,
        initialResourceVersions: o.initial,
      });
    } else {
      // The latest response of the type, or the one before it (a stale nonce).
      const ofType = client.sent.filter((r) => r.typeUrl === o.typeUrl);
      const response = ofType[ofType.length - 1 - o.back];
      if (!response) continue;
      client.stream.onRequest({
        typeUrl: o.typeUrl,
        responseNonce: response.nonce,
        ...(o.nack ? { errorDetail: { code: 3, message: 'rejected' } } : {}),
      });
    }
  }
}

describe('delta fan-out: shared diffs and bodies', () => {
  it('names a subscription state by its changes, nonces aside, whatever the names contain', () => {
    const diffs = createDeltaDiffCache();
    const open = (names: string[], initial: Record<string, string> = {}) => openSubscription(RDS, { resourceNamesSubscribe: names, initialResourceVersions: initial }, [], diffs);
    const [a, b] = [open(['x', 'y']), open(['x', 'y'])];
    expect(a.state).toBe(b.state);
    markSent(a, { nonce: 'a-1', version: 'v1', updated: new Map([['x', '1']]), removed: new Set() });
    markSent(b, { nonce: 'b-7', version: 'v1', updated: new Map([['x', '1']]), removed: new Set() });
    expect(a.state).toBe(b.state);
    acceptInFlight(a);
    refuseInFlight(b);
    expect(a.state).not.toBe(b.state);
    // Separators inside names cannot make two different changes read alike.
    expect(open(['x\u0000y']).state).not.toBe(open(['x', 'y']).state);
    expect(open(['x', 'y']).state).not.toBe(open(['x', 'y'], { x: '1' }).state);
    // Without a shared cache nothing is digested.
    expect(openSubscription(RDS, { resourceNamesSubscribe: ['x'] }).state).toBe('');
  });

  it('every stream receives exactly what it would computing its own diff (random clients and snapshots)', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), fc.integer({ min: 1, max: 8 }), (ops, capacity) => {
        // A small cache, so that evictions (recomputed diffs) are exercised too.
        const diffs = createDeltaDiffCache(capacity);
        const shared = world(diffs);
        const own = world(undefined);
        const snapshots = new Map<string, ResourceSnapshot>();
        for (const o of ops) {
          apply(shared, o, snapshots);
          apply(own, o, snapshots);
        }
        for (let i = 0; i < CLIENTS; i++) {
          expect(shared.clients[i]!.frames).toEqual(own.clients[i]!.frames);
          expect(shared.clients[i]!.events).toEqual(own.clients[i]!.events);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('computes one diff and encodes one body per type and change for 1,000 streams in one state', () => {
    const diffs = createDeltaDiffCache();
    const cache = fakeWatcher();
    const codec = createDeltaResponseCodec(envoyProtos().lookupType(TYPE), toWireAny);
    const frames: Buffer[][] = [];
    const streams = Array.from({ length: 1000 }, (_, i) => {
      const mine: Buffer[] = [];
      frames.push(mine);
      let n = 0;
      const stream = createDeltaStream({
        watcher: cache.watcher,
        diffs,
        nonce: () => `s${i}-${++n}`,
        send: (r) => {
          // A frame is valid until the codec's next call (shared-frame.ts): kept, it is copied.
          mine.push(Buffer.from(codec.serialize(r)));
          // The client ACKs at once, as an Envoy that applied it.
          queueMicrotask(() => stream.onRequest({ typeUrl: r.typeUrl, responseNonce: r.nonce }));
        },
      });
      return stream;
    });
    const spec = (route: string): Spec => ({ [RDS]: { 'r-http': [route, false] }, [CDS]: { a: ['1', true], b: ['1', true] } });
    cache.publish(snapshot('v1', spec('1')));
    for (const [i, stream] of streams.entries()) {
      stream.onRequest({ node: { id: `envoy-${i}`, cluster: GATEWAY }, typeUrl: CDS });
      stream.onRequest({ typeUrl: RDS, resourceNamesSubscribe: ['r-http'] });
    }
    return Promise.resolve().then(() => {
      const [diffsAtStart, bodiesAtStart] = [diffs.diffsComputed(), codec.bodiesEncoded()];
      // One diff and one body per type for the first answers, whatever the number of streams.
      expect(bodiesAtStart).toBe(2);
      cache.publish(snapshot('v2', spec('2')));
      // The route change: one more body (RDS), and the diffs of one state per type.
      expect(codec.bodiesEncoded() - bodiesAtStart).toBe(1);
      expect(diffs.diffsComputed() - diffsAtStart).toBeLessThanOrEqual(2);
      expect(frames.every((f) => f.length === 3)).toBe(true);
      const last = frames.map((f) => decode(f[2]!));
      expect(last[999]).toEqual({ ...last[0], nonce: 's999-3' });
      expect(last[0]).toMatchObject({ systemVersionInfo: 'v2', typeUrl: RDS, nonce: 's0-3' });
    });
  });
});
