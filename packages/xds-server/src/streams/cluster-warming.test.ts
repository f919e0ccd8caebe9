/**
 * Envoy warms a changed cluster until a ClusterLoadAssignment for it arrives, even an unchanged one
 * (xDS protocol, "Resource warming"): both ADS state machines send a changed cluster's endpoints
 * after it, and never the endpoints of an unchanged cluster.
 */
import { endpointsOfChangedClusters } from './cluster-warming.js';
import { createDeltaStream } from './delta-stream.js';
import { createResponseOutbox } from './response-outbox.js';
import { CDS, EDS, fakeWatcher, LDS, res, snapshotOf } from './sotw-fixtures.test-util.js';
import { combineSotwResponses, createSotwStream } from './sotw-stream.js';
import type { CachedResource, DeltaDiscoveryResponse, DiscoveryResponse, ResponsePlacement, StreamEvent } from '../types.js';

const GW = 'default/gw';
const node = { id: 'envoy-1', cluster: GW };

/** Clusters c-a and c-b with their endpoints and one listener; `overrides` replaces whole types. */
const snapshot = (version: string, overrides: Record<string, CachedResource[]> = {}) =>
  snapshotOf(version, {
    [CDS]: [res('c-a'), res('c-b')],
    [EDS]: [res('c-a'), res('c-b')],
    [LDS]: [res('http-80')],
    ...overrides,
  });

const decode = (value: Uint8Array) => new TextDecoder().decode(value);

describe('endpointsOfChangedClusters', () => {
  it('names the endpoints of the clusters present before and after at different versions', () => {
    const before = [res('c-a'), res('c-b'), res('c-gone')];
    const after = [res('c-a', 'v2'), res('c-b'), res('c-new')];
    expect(endpointsOfChangedClusters(before, after)).toEqual(['c-a']);
    expect(endpointsOfChangedClusters(undefined, after)).toEqual([]);
    expect(endpointsOfChangedClusters(after, after)).toEqual([]);
  });
});

describe('state of the world: endpoints follow a changed cluster', () => {
  function connected() {
    const watcher = fakeWatcher();
    const sent: DiscoveryResponse[] = [];
    const events: StreamEvent[] = [];
    const placements: (ResponsePlacement | undefined)[] = [];
    const send = (r: DiscoveryResponse, placement?: ResponsePlacement) => {
      sent.push(r);
      placements.push(placement);
    };
    const stream = createSotwStream({ watcher, send, onEvent: (e) => events.push(e) });
    watcher.publish(GW, snapshot('s-1'));
    stream.onRequest({ node, typeUrl: CDS });
    stream.onRequest({ typeUrl: EDS, resourceNames: ['c-a', 'c-b'] });
    stream.onRequest({ typeUrl: LDS });
    for (const r of sent.splice(0)) stream.onRequest({ typeUrl: r.typeUrl, versionInfo: r.versionInfo, responseNonce: r.nonce, resourceNames: r.typeUrl === EDS ? ['c-a', 'c-b'] : [] });
    /** What was sent since the last call: type and `name@version` of each resource. */
    const take = () => sent.splice(0).map((r) => [r.typeUrl, r.resources.map((a) => decode(a.value))]);
    return { watcher, stream, sent, events, placements, take };
  }

  it('sends the unchanged endpoints of a changed cluster, alone, right after the clusters', () => {
    const t = connected();
    t.watcher.publish(GW, snapshot('s-2', { [CDS]: [res('c-a', 'v2'), res('c-b')], [LDS]: [res('http-80', 'v2')] }));
    expect(t.take()).toEqual([
      [CDS, ['c-a@v2', 'c-b@v1']],
      [EDS, ['c-a@v1']],
      [LDS, ['http-80@v2']],
    ]);
  });

  it('marks the resend as following what was sent before it, and nothing else', () => {
    const t = connected();
    t.placements.splice(0);
    t.watcher.publish(GW, snapshot('s-2', { [CDS]: [res('c-a', 'v2'), res('c-b')] }));
    expect(t.placements).toEqual([undefined, { follows: true, partial: true }]);
  });

  it('marks a full EDS response after changed clusters as following them too, and no other', () => {
    const t = connected();
    t.placements.splice(0);
    t.watcher.publish(GW, snapshot('s-2', { [CDS]: [res('c-a', 'v2'), res('c-b')], [EDS]: [res('c-a', 'v2'), res('c-b')] }));
    t.watcher.publish(GW, snapshot('s-3', { [CDS]: [res('c-a', 'v2'), res('c-b')], [EDS]: [res('c-a', 'v3'), res('c-b')] }));
    expect(t.placements).toEqual([undefined, { follows: true }, undefined]);
  });

  it('sends no endpoints when no cluster changed', () => {
    const t = connected();
    t.watcher.publish(GW, snapshot('s-2', { [LDS]: [res('http-80', 'v2')] }));
    expect(t.take()).toEqual([[LDS, ['http-80@v2']]]);
  });

  it('sends the endpoints once when they changed too: the full EDS response follows the clusters', () => {
    const t = connected();
    t.watcher.publish(GW, snapshot('s-2', { [CDS]: [res('c-a', 'v2'), res('c-b')], [EDS]: [res('c-a', 'v2'), res('c-b')] }));
    expect(t.take()).toEqual([
      [CDS, ['c-a@v2', 'c-b@v1']],
      [EDS, ['c-a@v2', 'c-b@v1']],
    ]);
  });

  it('resends them after a CDS response that goes last because it removes a cluster', () => {
    const t = connected();
    t.watcher.publish(GW, snapshot('s-2', { [CDS]: [res('c-a', 'v2')], [EDS]: [res('c-a')], [LDS]: [res('http-80', 'v2')] }));
    expect(t.take()).toEqual([
      [LDS, ['http-80@v2']],
      [CDS, ['c-a@v2']],
      [EDS, ['c-a@v1']],
    ]);
  });

  it('resends only endpoints the client subscribes to', () => {
    const t = connected();
    t.stream.onRequest({ typeUrl: EDS, resourceNames: ['c-b'] });
    t.take();
    t.watcher.publish(GW, snapshot('s-2', { [CDS]: [res('c-a', 'v2'), res('c-b')] }));
    expect(t.take()).toEqual([[CDS, ['c-a@v2', 'c-b@v1']]]);
  });

  it('reports the resend as an EDS push of the new snapshot version', () => {
    const t = connected();
    t.events.splice(0);
    t.watcher.publish(GW, snapshot('s-2', { [CDS]: [res('c-a', 'v2'), res('c-b')] }));
    expect(t.events.map((e) => (e.kind === 'push' ? [e.typeUrl, e.version, e.resources] : e.kind))).toEqual([
      [CDS, 's-2', 2],
      [EDS, 's-2', 1],
    ]);
  });
});

describe('state of the world through the response outbox (responses wait for their turn)', () => {
  /** A stream writing through the outbox as ads-service wires it; responses leave on `turn()`. */
  function throughOutbox() {
    const watcher = fakeWatcher();
    const written: DiscoveryResponse[] = [];
    const deferred: (() => void)[] = [];
    const outbox = createResponseOutbox<DiscoveryResponse>({
      writer: { write: (r, flushed) => (written.push(r), deferred.push(flushed)), gone: () => false },
      supersedeKey: (r) => r.typeUrl,
      combine: combineSotwResponses,
      sizeOf: (r) => r.resources.length,
      maxBlockedMs: 60_000,
      maxQueuedBytes: 1_000,
      onBlocked: (reason) => {
        throw new Error(reason);
      },
      defer: (task) => deferred.push(task),
      setTimer: () => () => {},
    });
    const turn = () => {
      for (let task = deferred.shift(); task; task = deferred.shift()) task();
    };
    const stream = createSotwStream({ watcher, send: (r, placement) => outbox.enqueue(r, placement) });
    watcher.publish(GW, snapshot('s-1'));
    stream.onRequest({ node, typeUrl: CDS });
    stream.onRequest({ typeUrl: EDS, resourceNames: ['c-a', 'c-b'] });
    stream.onRequest({ typeUrl: LDS });
    turn();
    const view = (r: DiscoveryResponse) => [r.typeUrl, r.resources.map((a) => decode(a.value)).sort()];
    expect(written.splice(0).map(view)).toEqual([
      [CDS, ['c-a@v1', 'c-b@v1']],
      [EDS, ['c-a@v1', 'c-b@v1']],
      [LDS, ['http-80@v1']],
    ]);
    return { watcher, stream, written, turn, view };
  }

  it('writes a full EDS response that waited before the clusters after them, with the resent endpoints', () => {
    const t = throughOutbox();
    // c-a changes with new endpoints, c-b goes: the full EDS response is pushed first, the clusters
    // last (they remove one), then c-a's endpoints again. Queued together, they go out as one, last.
    t.watcher.publish(GW, snapshot('s-2', { [CDS]: [res('c-a', 'v2')], [EDS]: [res('c-a', 'v2'), res('c-b')], [LDS]: [res('http-80', 'v2')] }));
    t.turn();
    const [lds, cds, eds, ...rest] = t.written;
    expect([lds, cds, eds].map((r) => t.view(r!))).toEqual([
      [LDS, ['http-80@v2']],
      [CDS, ['c-a@v2']],
      [EDS, ['c-a@v2', 'c-b@v1']],
    ]);
    expect(rest).toEqual([]);
    // Its nonce is the resend's, the latest: the client's ACK of it is current, not stale, so the
    // subscription change it carries (c-b is gone) is answered.
    t.stream.onRequest({ typeUrl: EDS, versionInfo: 's-2', responseNonce: eds!.nonce, resourceNames: ['c-a'] });
    t.turn();
    expect(t.written.slice(3).map(t.view)).toEqual([[EDS, ['c-a@v2']]]);
  });

  it('writes the endpoints after changed clusters even when an older EDS response still waited ahead', () => {
    const t = throughOutbox();
    // Two snapshots before the client gets a turn: new endpoints for c-b, then a changed c-a.
    t.watcher.publish(GW, snapshot('s-2', { [EDS]: [res('c-a'), res('c-b', 'v2')] }));
    t.watcher.publish(GW, snapshot('s-3', { [CDS]: [res('c-a', 'v2'), res('c-b')], [EDS]: [res('c-a', 'v2'), res('c-b', 'v2')] }));
    t.turn();
    expect(t.written.map(t.view)).toEqual([
      [CDS, ['c-a@v2', 'c-b@v1']],
      [EDS, ['c-a@v2', 'c-b@v2']],
    ]);
  });
});

describe('delta: endpoints follow a changed cluster', () => {
  function connected() {
    const watcher = fakeWatcher();
    const sent: DeltaDiscoveryResponse[] = [];
    const stream = createDeltaStream({ watcher, send: (r) => sent.push(r) });
    watcher.publish(GW, snapshot('s-1'));
    stream.onRequest({ node, typeUrl: CDS });
    stream.onRequest({ typeUrl: EDS, resourceNamesSubscribe: ['c-a', 'c-b'] });
    stream.onRequest({ typeUrl: LDS });
    const ack = (r: DeltaDiscoveryResponse) => stream.onRequest({ typeUrl: r.typeUrl, responseNonce: r.nonce });
    for (const r of sent.splice(0)) ack(r);
    /** What was sent since the last call, unacknowledged. */
    const responses = () => sent.splice(0);
    const view = (rs: DeltaDiscoveryResponse[]) => rs.map((r) => [r.typeUrl, r.resources.map((x) => `${x.name}@${x.version}`)]);
    return { watcher, stream, ack, responses, view, take: () => view(responses()) };
  }

  it('sends the unchanged endpoints of a changed cluster right after it, and only those', () => {
    const t = connected();
    t.watcher.publish(GW, snapshot('s-2', { [CDS]: [res('c-a', 'v2'), res('c-b')], [LDS]: [res('http-80', 'v2')] }));
    expect(t.take()).toEqual([
      [CDS, ['c-a@v2']],
      [EDS, ['c-a@v1']],
      [LDS, ['http-80@v2']],
    ]);
  });

  it('sends no endpoints when no cluster changed, and nothing more once the resend is acknowledged', () => {
    const t = connected();
    t.watcher.publish(GW, snapshot('s-2', { [LDS]: [res('http-80', 'v2')] }));
    const [lds] = t.responses();
    expect(t.view([lds!])).toEqual([[LDS, ['http-80@v2']]]);
    t.ack(lds!);

    t.watcher.publish(GW, snapshot('s-3', { [CDS]: [res('c-a', 'v2'), res('c-b')], [LDS]: [res('http-80', 'v2')] }));
    const sent = t.responses();
    expect(t.view(sent)).toEqual([
      [CDS, ['c-a@v2']],
      [EDS, ['c-a@v1']],
    ]);
    for (const r of sent) t.ack(r);
    t.watcher.publish(GW, snapshot('s-4', { [CDS]: [res('c-a', 'v2'), res('c-b')], [LDS]: [res('http-80', 'v3')] }));
    expect(t.take()).toEqual([[LDS, ['http-80@v3']]]);
  });

  it('waits for the EDS response in flight, then resends: the endpoints arrive after the cluster', () => {
    const t = connected();
    // New endpoints for c-a go out and are not acknowledged yet when c-a itself changes.
    t.watcher.publish(GW, snapshot('s-2', { [EDS]: [res('c-a', 'v2'), res('c-b')] }));
    const [eds] = t.responses();
    t.watcher.publish(GW, snapshot('s-3', { [CDS]: [res('c-a', 'v2'), res('c-b')], [EDS]: [res('c-a', 'v2'), res('c-b')] }));
    expect(t.take()).toEqual([[CDS, ['c-a@v2']]]);
    t.ack(eds!);
    expect(t.take()).toEqual([[EDS, ['c-a@v2']]]);
  });

  it('owes the endpoints to a reconnecting client whose clusters changed while it was away', () => {
    const watcher = fakeWatcher();
    const sent: DeltaDiscoveryResponse[] = [];
    const stream = createDeltaStream({ watcher, send: (r) => sent.push(r) });
    watcher.publish(GW, snapshot('s-2', { [CDS]: [res('c-a', 'v2'), res('c-b')] }));
    stream.onRequest({ node, typeUrl: CDS, initialResourceVersions: { 'c-a': 'v1', 'c-b': 'v1' } });
    stream.onRequest({ typeUrl: EDS, resourceNamesSubscribe: ['c-a', 'c-b'], initialResourceVersions: { 'c-a': 'v1', 'c-b': 'v1' } });
    expect(sent.map((r) => [r.typeUrl, r.resources.map((x) => `${x.name}@${x.version}`)])).toEqual([
      [CDS, ['c-a@v2']],
      [EDS, ['c-a@v1']],
    ]);
  });

  it('sends a new cluster its endpoints once, when the client asks for them', () => {
    const t = connected();
    t.watcher.publish(GW, snapshot('s-2', { [CDS]: [res('c-a'), res('c-b'), res('c-new')], [EDS]: [res('c-a'), res('c-b'), res('c-new')] }));
    const [cds] = t.responses();
    expect(t.view([cds!])).toEqual([[CDS, ['c-new@v1']]]);
    t.ack(cds!);
    t.stream.onRequest({ typeUrl: EDS, resourceNamesSubscribe: ['c-new'] });
    expect(t.take()).toEqual([[EDS, ['c-new@v1']]]);
  });
});
