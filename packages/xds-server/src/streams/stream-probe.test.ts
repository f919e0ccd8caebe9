/**
 * A probe (NACK containment, in @portico/server): a snapshot served to one stream alone. Both state
 * machines send it like a published snapshot (only what differs from what the client holds), report
 * its ACK or NACK under the probe's version, and go back to the cache's snapshots at the next publish.
 */
import { describe, expect, it } from '@jest/globals';
import { createDeltaStream } from './delta-stream.js';
import { CDS, fakeWatcher, LDS, RDS, res, snapshotOf } from './sotw-fixtures.test-util.js';
import { createSotwStream } from './sotw-stream.js';
import type { DeltaDiscoveryResponse, DiscoveryResponse, StreamEvent } from '../types.js';

const GW = 'default/gw';
const node = { id: 'envoy-1', cluster: GW };
const table = (version: string, routes: string) => snapshotOf(version, { [CDS]: [res('c1')], [LDS]: [res('http-80')], [RDS]: [res('http-80', routes)] });
const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

describe('serveProbe', () => {
  it('state of the world: sends the probe to this stream only, then the next published snapshot', () => {
    const watcher = fakeWatcher();
    const sent: DiscoveryResponse[] = [];
    const events: StreamEvent[] = [];
    const stream = createSotwStream({ watcher, send: (r) => sent.push(r), onEvent: (e) => events.push(e) });
    watcher.publish(GW, table('b-1', 'good'));
    stream.onRequest({ node, typeUrl: RDS, resourceNames: ['http-80'] });
    stream.onRequest({ node, typeUrl: RDS, resourceNames: ['http-80'], responseNonce: sent[0]!.nonce, versionInfo: 'b-1' });
    watcher.publish(GW, table('b-2', 'bad'));
    stream.onRequest({ typeUrl: RDS, resourceNames: ['http-80'], responseNonce: sent[1]!.nonce, errorDetail: { message: 'refused' } });

    stream.serveProbe(table('b-2~probe-1', 'probe'));
    expect(sent).toHaveLength(3);
    expect(sent[2]).toMatchObject({ versionInfo: 'b-2~probe-1' });
    expect(text(sent[2]!.resources[0]!.value)).toBe('http-80@probe');
    stream.onRequest({ typeUrl: RDS, resourceNames: ['http-80'], responseNonce: sent[2]!.nonce, versionInfo: 'b-2~probe-1' });
    expect(events.filter((e) => e.kind === 'ack' || e.kind === 'nack').map((e) => [e.kind, 'version' in e ? e.version : ''])).toEqual([
      ['ack', 'b-1'],
      ['nack', 'b-2'],
      ['ack', 'b-2~probe-1'],
    ]);
    watcher.publish(GW, table('b-3', 'contained'));
    expect(text(sent[3]!.resources[0]!.value)).toBe('http-80@contained');
  });

  it('delta: sends only the resources the probe changes, and the next published snapshot after it', () => {
    const watcher = fakeWatcher();
    const sent: DeltaDiscoveryResponse[] = [];
    const events: StreamEvent[] = [];
    const stream = createDeltaStream({ watcher, send: (r) => sent.push(r), onEvent: (e) => events.push(e) });
    // A probe before the client said who it is has nowhere to go.
    stream.serveProbe(table('b-0~probe-1', 'early'));
    watcher.publish(GW, table('b-1', 'good'));
    stream.onRequest({ node, typeUrl: RDS, resourceNamesSubscribe: ['http-80'] });
    stream.onRequest({ typeUrl: RDS, responseNonce: sent[0]!.nonce });
    watcher.publish(GW, table('b-2', 'bad'));
    stream.onRequest({ typeUrl: RDS, responseNonce: sent[1]!.nonce, errorDetail: { message: 'refused' } });

    stream.serveProbe(table('b-2~probe-1', 'probe'));
    expect(sent).toHaveLength(3);
    expect(sent[2]).toMatchObject({ systemVersionInfo: 'b-2~probe-1', removedResources: [] });
    expect(sent[2]!.resources.map((r) => text(r.resource.value))).toEqual(['http-80@probe']);
    stream.onRequest({ typeUrl: RDS, responseNonce: sent[2]!.nonce });
    expect(events.filter((e) => e.kind === 'ack' || e.kind === 'nack').map((e) => [e.kind, 'version' in e ? e.version : ''])).toEqual([
      ['ack', 'b-1'],
      ['nack', 'b-2'],
      ['ack', 'b-2~probe-1'],
    ]);
    watcher.publish(GW, table('b-3', 'contained'));
    expect(sent[3]!.resources.map((r) => text(r.resource.value))).toEqual(['http-80@contained']);
  });
});
