import { describe, expect, it } from '@jest/globals';
import { createSnapshotCache } from '../snapshot-cache.js';
import { CDS, EDS, fakeWatcher, LDS, RDS, res, SDS, snapshotOf } from './sotw-fixtures.test-util.js';
import { createSotwStream, type SotwStreamOptions } from './sotw-stream.js';
import type { CachedResource, DiscoveryRequest, DiscoveryResponse, StreamEvent } from '../types.js';

const GW = 'default/eg';
const node = { id: 'envoy-1', cluster: GW };

function setup(options: Partial<SotwStreamOptions> = {}) {
  const watcher = fakeWatcher();
  const sent: DiscoveryResponse[] = [];
  const events: StreamEvent[] = [];
  let time = 0;
  const stream = createSotwStream({ watcher, send: (r) => sent.push(r), onEvent: (e) => events.push(e), now: () => time, ...options });
  const tick = (ms: number) => (time += ms);
  /** The pushes' content: `name@version` per resource. */
  const last = () => sent[sent.length - 1]!;
  return { watcher, sent, events, stream, tick, last, kinds: () => events.map((e) => e.kind) };
}

/** `name@version` of each resource of a response. */
function contents(response: DiscoveryResponse): string[] {
  return response.resources.map((r) => new TextDecoder().decode(r.value));
}

function ack(response: DiscoveryResponse, resourceNames: string[] = []): DiscoveryRequest {
  return { typeUrl: response.typeUrl, versionInfo: response.versionInfo, responseNonce: response.nonce, resourceNames };
}

function nack(response: DiscoveryResponse, message: string, resourceNames: string[] = []): DiscoveryRequest {
  return { ...ack(response, resourceNames), versionInfo: '', errorDetail: { code: 3, message } };
}

const full = (version: string, overrides: Record<string, CachedResource[]> = {}) =>
  snapshotOf(version, {
    [CDS]: [res('c1'), res('c2')],
    [EDS]: [res('c1'), res('c2')],
    [SDS]: [res('cert')],
    [LDS]: [res('http-80'), res('api.example:443', 'v1', false)],
    [RDS]: [res('http-80')],
    ...overrides,
  });

describe('createSotwStream', () => {
  describe('the first request', () => {
    it('takes the gateway from node.cluster, reports the connection and answers from the snapshot', () => {
      const { watcher, stream, sent, events } = setup();
      watcher.publish(GW, full('b-1'));
      stream.onRequest({ node, typeUrl: CDS });
      expect(events[0]).toEqual({ kind: 'connected', node, gateway: GW });
      expect(watcher.subscriberCount(GW)).toBe(1);
      expect(sent).toHaveLength(1);
      expect(sent[0]).toMatchObject({ typeUrl: CDS, versionInfo: 'b-1' });
      expect(contents(sent[0]!)).toEqual(['c1@v1', 'c2@v1']);
    });

    it('holds a request until the gateway has a snapshot, then answers it', () => {
      const { watcher, stream, sent, events, tick } = setup();
      stream.onRequest({ node, typeUrl: CDS });
      stream.onRequest({ typeUrl: EDS, resourceNames: ['c1'] });
      expect(sent).toEqual([]);
      tick(5);
      watcher.publish(GW, full('b-1'));
      expect(sent.map((r) => [r.typeUrl, contents(r)])).toEqual([
        [CDS, ['c1@v1', 'c2@v1']],
        [EDS, ['c1@v1']],
      ]);
      expect(events.filter((e) => e.kind === 'push').map((e) => e.kind === 'push' && e.latencyMs)).toEqual([0, 0]);
    });

    it('sends nothing to a node whose gateway never gets a snapshot', () => {
      const { watcher, stream, sent, events } = setup();
      stream.onRequest({ node: { id: 'x', cluster: 'nobody/here' }, typeUrl: LDS });
      watcher.publish(GW, full('b-1'));
      expect(sent).toEqual([]);
      expect(events).toEqual([{ kind: 'connected', node: { id: 'x', cluster: 'nobody/here' }, gateway: 'nobody/here' }]);
    });

    it('serves nothing to a node without a cluster', () => {
      const { watcher, stream, sent, events } = setup();
      stream.onRequest({ node: { id: 'x' }, typeUrl: LDS });
      watcher.publish(GW, full('b-1'));
      stream.onRequest({ node, typeUrl: CDS });
      expect(sent).toEqual([]);
      expect(events).toEqual([{ kind: 'connected', node: { id: 'x' }, gateway: undefined }]);
    });

    it('ignores a request without a type URL', () => {
      const { watcher, stream, sent } = setup();
      watcher.publish(GW, full('b-1'));
      stream.onRequest({ node });
      expect(sent).toEqual([]);
    });
  });

  describe('subscriptions', () => {
    it('treats an empty first LDS/CDS request as wildcard: only resources marked wildcard', () => {
      const { watcher, stream, sent } = setup();
      watcher.publish(GW, full('b-1'));
      stream.onRequest({ node, typeUrl: LDS, resourceNames: [] });
      expect(contents(sent[0]!)).toEqual(['http-80@v1']);
    });

    it('sends exactly the named resources; missing names are simply absent', () => {
      const { watcher, stream, sent } = setup();
      watcher.publish(GW, full('b-1'));
      stream.onRequest({ node, typeUrl: LDS, resourceNames: ['api.example:443', 'missing:80'] });
      expect(contents(sent[0]!)).toEqual(['api.example:443@v1']);
    });

    it('sends wildcard resources and named ones for "*" plus names', () => {
      const { watcher, stream, sent } = setup();
      watcher.publish(GW, full('b-1'));
      stream.onRequest({ node, typeUrl: LDS, resourceNames: ['*', 'api.example:443'] });
      expect(contents(sent[0]!)).toEqual(['api.example:443@v1', 'http-80@v1']);
    });

    it('never treats RDS/EDS/SDS as wildcard: an empty list is nothing and "*" is just a name', () => {
      const { watcher, stream, sent } = setup();
      watcher.publish(GW, full('b-1'));
      stream.onRequest({ node, typeUrl: RDS, resourceNames: [] });
      stream.onRequest({ typeUrl: EDS, resourceNames: ['*'] });
      stream.onRequest({ typeUrl: SDS, resourceNames: ['cert'] });
      expect(sent.map(contents)).toEqual([[], [], ['cert@v1']]);
    });

    it('keeps the legacy wildcard while every request is empty', () => {
      const { watcher, stream, sent } = setup();
      watcher.publish(GW, full('b-1'));
      stream.onRequest({ node, typeUrl: CDS });
      stream.onRequest(ack(sent[0]!));
      watcher.publish(GW, snapshotOf('b-2', { [CDS]: [res('c1'), res('c3')] }));
      expect(contents(sent[1]!)).toEqual(['c1@v1', 'c3@v1']);
    });

    it('unsubscribes from everything on an empty list after a named subscription, for LDS too', () => {
      // xDS protocol: "once the client does explicitly subscribe to a resource name [...] clearing the
      // list of subscribed resources is interpretted as an unsubscription".
      const { watcher, stream, sent } = setup();
      watcher.publish(GW, full('b-1'));
      stream.onRequest({ node, typeUrl: LDS, resourceNames: ['http-80'] });
      stream.onRequest(ack(sent[0]!, []));
      expect(sent).toHaveLength(2);
      expect(contents(sent[1]!)).toEqual([]);
      stream.onRequest({ typeUrl: EDS, resourceNames: ['c1'] });
      stream.onRequest(ack(sent[2]!, []));
      expect(contents(sent[3]!)).toEqual([]);
      // Nothing is subscribed any more: a new snapshot sends nothing of either type.
      watcher.publish(GW, snapshotOf('b-2', { [LDS]: [res('http-80', 'v2')], [EDS]: [res('c1', 'v2')] }));
      expect(sent).toHaveLength(4);
    });

    it('always answers a subscription change, even when the content is the same', () => {
      const { watcher, stream, sent } = setup();
      watcher.publish(GW, full('b-1'));
      stream.onRequest({ node, typeUrl: EDS, resourceNames: ['c1'] });
      stream.onRequest(ack(sent[0]!, ['c1', 'not-yet']));
      expect(sent).toHaveLength(2);
      expect(contents(sent[1]!)).toEqual(['c1@v1']);
      // When the missing name appears, it is pushed.
      watcher.publish(GW, snapshotOf('b-2', { [EDS]: [res('c1'), res('not-yet')] }));
      expect(contents(sent[2]!)).toEqual(['c1@v1', 'not-yet@v1']);
    });
  });

  describe('nonces', () => {
    it('puts a fresh nonce on every response', () => {
      const { watcher, stream, sent } = setup();
      watcher.publish(GW, full('b-1'));
      for (const typeUrl of [CDS, EDS, LDS]) stream.onRequest({ node, typeUrl, resourceNames: typeUrl === EDS ? ['c1'] : [] });
      watcher.publish(GW, snapshotOf('b-2', { [CDS]: [res('c1', 'v2')], [EDS]: [res('c1', 'v2')], [LDS]: [res('l', 'v2')] }));
      // Three answers, then EDS, LDS, CDS (it removes c2) and c1's endpoints again (c1 changed).
      const nonces = sent.map((r) => r.nonce);
      expect(nonces).toHaveLength(7);
      expect(new Set(nonces).size).toBe(7);
      expect(nonces.every((n) => n.length > 0)).toBe(true);
    });

    it('never answers a stale nonce: no response, no subscription change; its ACK is still recorded', () => {
      const { watcher, stream, sent, events } = setup();
      watcher.publish(GW, full('b-1'));
      stream.onRequest({ node, typeUrl: EDS, resourceNames: ['c1'] });
      const first = sent[0]!;
      watcher.publish(GW, full('b-2', { [EDS]: [res('c1', 'v2'), res('c2')] }));
      expect(sent).toHaveLength(2);
      const before = events.length;
      stream.onRequest(ack(first, ['c1', 'c2'])); // answers the first response: stale
      stream.onRequest(nack(first, 'late rejection', ['c2'])); // same stale nonce again: nothing at all
      expect(sent).toHaveLength(2);
      expect(events.slice(before)).toEqual([{ kind: 'ack', typeUrl: EDS, version: 'b-1' }]);
      // The subscription is still ['c1']: the next push carries only c1.
      watcher.publish(GW, full('b-3', { [EDS]: [res('c1', 'v3'), res('c2', 'v3')] }));
      expect(contents(sent[2]!)).toEqual(['c1@v3']);
    });

    it('records a NACK of a stale response without treating the latest one as rejected', () => {
      const { watcher, stream, sent, events } = setup();
      watcher.publish(GW, full('b-1'));
      stream.onRequest({ node, typeUrl: CDS });
      stream.onRequest(ack(sent[0]!));
      watcher.publish(GW, full('b-2', { [CDS]: [res('c1', 'bad')] }));
      watcher.publish(GW, full('b-3', { [CDS]: [res('c1', 'good')] }));
      stream.onRequest(nack(sent[1]!, 'c1 is bad'));
      expect(events.filter((e) => e.kind === 'nack')).toEqual([{ kind: 'nack', typeUrl: CDS, version: 'b-2', message: 'c1 is bad' }]);
      stream.onRequest(ack(sent[2]!));
      expect(events.filter((e) => e.kind === 'ack').map((e) => e.kind === 'ack' && e.version)).toEqual(['b-1', 'b-3']);
      expect(sent).toHaveLength(3);
    });

    it('remembers the last 8 unanswered responses of a type for late ACKs', () => {
      const { watcher, stream, sent, events } = setup();
      stream.onRequest({ node, typeUrl: CDS });
      for (let i = 1; i <= 9; i++) watcher.publish(GW, snapshotOf(`b-${i}`, { [CDS]: [res('c1', `v${i}`)] }));
      expect(sent).toHaveLength(9);
      stream.onRequest(ack(sent[0]!)); // forgotten
      stream.onRequest(ack(sent[1]!));
      expect(events.filter((e) => e.kind === 'ack')).toEqual([{ kind: 'ack', typeUrl: CDS, version: 'b-2' }]);
    });

    it('treats a nonce it never sent for that type (a reconnecting client) as a fresh request', () => {
      const { watcher, stream, sent, kinds } = setup();
      watcher.publish(GW, full('b-1'));
      stream.onRequest({ node, typeUrl: CDS, versionInfo: 'old-7', responseNonce: '42' });
      expect(sent).toHaveLength(1);
      expect(kinds()).toEqual(['connected', 'push']);
    });
  });

  describe('ACK and NACK', () => {
    it('reports an ACK of the version sent with the latest nonce, once, and resends nothing', () => {
      const { watcher, stream, sent, events } = setup();
      watcher.publish(GW, full('b-1'));
      stream.onRequest({ node, typeUrl: CDS });
      stream.onRequest(ack(sent[0]!));
      stream.onRequest(ack(sent[0]!)); // the same ACK again
      expect(sent).toHaveLength(1);
      expect(events.filter((e) => e.kind === 'ack')).toEqual([{ kind: 'ack', typeUrl: CDS, version: 'b-1' }]);
    });

    it('reports a NACK with its message and does not resend the rejected version', () => {
      const { watcher, stream, sent, events } = setup();
      watcher.publish(GW, full('b-1'));
      stream.onRequest({ node, typeUrl: CDS });
      stream.onRequest(ack(sent[0]!));
      watcher.publish(GW, full('b-2', { [CDS]: [res('c1', 'bad')] }));
      const rejected = sent[1]!;
      expect(rejected.versionInfo).toBe('b-2');
      stream.onRequest({ ...nack(rejected, 'cluster c1: invalid lb policy'), versionInfo: 'b-1' });
      expect(events.filter((e) => e.kind === 'ack' || e.kind === 'nack')).toEqual([
        { kind: 'ack', typeUrl: CDS, version: 'b-1' },
        { kind: 'nack', typeUrl: CDS, version: 'b-2', message: 'cluster c1: invalid lb policy' },
      ]);
      // Not resent: not on the NACK, not on a repeated request, not on a snapshot changing only other types.
      stream.onRequest({ typeUrl: CDS, responseNonce: rejected.nonce, versionInfo: 'b-1' });
      watcher.publish(GW, snapshotOf('b-3', { [CDS]: [res('c1', 'bad')], [EDS]: [res('c1', 'v9')] }));
      expect(sent).toHaveLength(2);
      // A subscription change whose answer is the rejected content is not answered with it either.
      stream.onRequest({ typeUrl: CDS, responseNonce: rejected.nonce, resourceNames: ['c1', 'c-missing'] });
      expect(sent).toHaveLength(2);
      // A later snapshot that changes the type is sent normally, and its ACK is reported.
      watcher.publish(GW, snapshotOf('b-4', { [CDS]: [res('c1', 'fixed')] }));
      expect(sent).toHaveLength(3);
      expect(sent[2]).toMatchObject({ typeUrl: CDS, versionInfo: 'b-4' });
      expect(contents(sent[2]!)).toEqual(['c1@fixed']);
      stream.onRequest(ack(sent[2]!, ['c1', 'c-missing']));
      expect(events.filter((e) => e.kind === 'ack').pop()).toEqual({ kind: 'ack', typeUrl: CDS, version: 'b-4' });
    });

    it('sends a reverted snapshot after a NACK (it differs from the rejected one)', () => {
      const { watcher, stream, sent } = setup();
      watcher.publish(GW, snapshotOf('b-1', { [CDS]: [res('c1')] }));
      stream.onRequest({ node, typeUrl: CDS });
      stream.onRequest(ack(sent[0]!));
      watcher.publish(GW, snapshotOf('b-2', { [CDS]: [res('c1', 'bad')] }));
      stream.onRequest(nack(sent[1]!, 'no'));
      watcher.publish(GW, snapshotOf('b-3', { [CDS]: [res('c1')] }));
      expect(sent.map((r) => r.versionInfo)).toEqual(['b-1', 'b-2', 'b-3']);
    });
  });

  describe('pushes', () => {
    it('sends only the types whose content changed', () => {
      const { watcher, stream, sent } = setup();
      watcher.publish(GW, full('b-1'));
      stream.onRequest({ node, typeUrl: CDS });
      stream.onRequest({ typeUrl: EDS, resourceNames: ['c1', 'c2'] });
      stream.onRequest({ typeUrl: LDS });
      stream.onRequest({ typeUrl: RDS, resourceNames: ['http-80'] });
      expect(sent).toHaveLength(4);
      watcher.publish(GW, full('b-2', { [EDS]: [res('c1'), res('c2', 'v2')] }));
      expect(sent).toHaveLength(5);
      expect(sent[4]).toMatchObject({ typeUrl: EDS, versionInfo: 'b-2' });
      expect(contents(sent[4]!)).toEqual(['c1@v1', 'c2@v2']);
      // A change outside the subscription (the non-wildcard listener) is no change for this client.
      watcher.publish(GW, full('b-3', { [LDS]: [res('http-80'), res('api.example:443', 'v2', false)], [EDS]: [res('c1'), res('c2', 'v2')] }));
      expect(sent).toHaveLength(5);
    });

    it('pushes in make-before-break order: CDS, EDS, SDS, LDS, RDS', () => {
      const { watcher, stream, sent } = setup();
      watcher.publish(GW, full('b-1'));
      // Subscribed in the "wrong" order on purpose.
      stream.onRequest({ node, typeUrl: RDS, resourceNames: ['http-80'] });
      stream.onRequest({ typeUrl: LDS });
      stream.onRequest({ typeUrl: SDS, resourceNames: ['cert'] });
      stream.onRequest({ typeUrl: EDS, resourceNames: ['c1', 'c2', 'c3'] });
      stream.onRequest({ typeUrl: CDS });
      sent.length = 0;
      watcher.publish(
        GW,
        snapshotOf('b-2', {
          [CDS]: [res('c1'), res('c2'), res('c3')],
          [EDS]: [res('c1'), res('c2'), res('c3')],
          [SDS]: [res('cert', 'v2')],
          [LDS]: [res('http-80', 'v2')],
          [RDS]: [res('http-80', 'v2')],
        }),
      );
      expect(sent.map((r) => r.typeUrl)).toEqual([CDS, EDS, SDS, LDS, RDS]);
    });

    it('sends the types that remove resources last', () => {
      const { watcher, stream, sent, events } = setup();
      watcher.publish(GW, full('b-1'));
      stream.onRequest({ node, typeUrl: CDS });
      stream.onRequest({ typeUrl: EDS, resourceNames: ['c1', 'c2'] });
      stream.onRequest({ typeUrl: LDS });
      stream.onRequest({ typeUrl: RDS, resourceNames: ['http-80'] });
      sent.length = 0;
      events.length = 0;
      // Route moves from c2 to c1; c2 is dropped from CDS and EDS; a listener is added.
      watcher.publish(
        GW,
        snapshotOf('b-2', {
          [CDS]: [res('c1')],
          [EDS]: [res('c1', 'v2')],
          [LDS]: [res('http-80'), res('http-8080')],
          [RDS]: [res('http-80', 'v2')],
        }),
      );
      expect(sent.map((r) => r.typeUrl)).toEqual([LDS, RDS, CDS, EDS]);
      expect(events.map((e) => e.kind === 'push' && [e.typeUrl, e.removed])).toEqual([
        [LDS, 0],
        [RDS, 0],
        [CDS, 1],
        [EDS, 1],
      ]);
    });

    it('reports each push: type, version, resources, bytes, removed and latency from the notification', () => {
      let time = 100;
      const sent: DiscoveryResponse[] = [];
      // The clock moves while sending, as writing to a real stream takes time.
      const { watcher, stream, events } = setup({
        now: () => time,
        send: (r) => {
          time += 3;
          sent.push(r);
        },
      });
      watcher.publish(GW, snapshotOf('b-1', { [CDS]: [res('c1'), res('c2')] }));
      stream.onRequest({ node, typeUrl: CDS });
      stream.onRequest({ typeUrl: EDS, resourceNames: ['c1'] });
      // Answers to requests have no latency (no notification).
      expect(events[1]).toEqual({ kind: 'push', typeUrl: CDS, version: 'b-1', resources: 2, bytes: 10, removed: 0 });
      watcher.publish(GW, snapshotOf('b-2', { [CDS]: [res('c1', 'v22')], [EDS]: [res('c1', 'v22')] }));
      // EDS first: the CDS update removes c2, so it goes last; c1 changed, so its endpoints follow it.
      expect(events.slice(-3)).toEqual([
        { kind: 'push', typeUrl: EDS, version: 'b-2', resources: 1, bytes: 6, removed: 0, latencyMs: 3 },
        { kind: 'push', typeUrl: CDS, version: 'b-2', resources: 1, bytes: 6, removed: 1, latencyMs: 6 },
        { kind: 'push', typeUrl: EDS, version: 'b-2', resources: 1, bytes: 6, removed: 0, latencyMs: 9 },
      ]);
    });

    it('puts the control plane identifier on every response', () => {
      const { watcher, stream, last } = setup({ controlPlaneId: 'portico-0' });
      watcher.publish(GW, full('b-1'));
      stream.onRequest({ node, typeUrl: CDS });
      expect(last().controlPlane).toEqual({ identifier: 'portico-0' });
    });
  });

  it('close() stops watching and sending', () => {
    const { watcher, stream, sent, kinds } = setup();
    watcher.publish(GW, full('b-1'));
    stream.onRequest({ node, typeUrl: CDS });
    stream.close();
    stream.close();
    expect(watcher.subscriberCount(GW)).toBe(0);
    watcher.publish(GW, snapshotOf('b-2', { [CDS]: [res('c9')] }));
    stream.onRequest({ typeUrl: LDS });
    expect(sent).toHaveLength(1);
    expect(kinds()).toEqual(['connected', 'push', 'closed']);
  });

  it('encodes once: two streams send the very same bytes, across snapshots too', () => {
    const cache = createSnapshotCache({ bootId: 'b' });
    const streams = [0, 1].map(() => {
      const sent: DiscoveryResponse[] = [];
      const stream = createSotwStream({ watcher: cache, send: (r) => sent.push(r) });
      return { stream, sent };
    });
    cache.setSnapshot(GW, new Map([[CDS, [res('c1'), res('c2')]]]));
    for (const { stream } of streams) stream.onRequest({ node, typeUrl: CDS });
    const [a, b] = streams.map((s) => s.sent[0]!);
    expect(a!.resources[0]!.value).toBe(b!.resources[0]!.value);
    expect(a!.resources[0]).toBe(b!.resources[0]);
    // c1 unchanged in the next snapshot (fresh bytes given): the first instance is sent again.
    cache.setSnapshot(GW, new Map([[CDS, [res('c1'), res('c2', 'v2')]]]));
    for (const { sent } of streams) {
      expect(sent[1]!.resources[0]!.value).toBe(a!.resources[0]!.value);
      expect(sent[1]!.resources[1]!.value).not.toBe(a!.resources[1]!.value);
    }
    expect(streams[0]!.sent[1]!.resources[1]!.value).toBe(streams[1]!.sent[1]!.resources[1]!.value);
  });
});
