import { beforeEach, describe, expect, it } from '@jest/globals';
import { createClientRegistry, type ClientRegistry, type StreamEvent, type StreamRef } from '@portico/xds-server';
import { createConvergenceTracker, type ConvergenceTracker } from './convergence.js';

const LDS = 'type.googleapis.com/envoy.config.listener.v3.Listener';
const RDS = 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration';
const GATEWAY = 'default/eg';

/** A fake clock, a real client registry, and streams driven by hand the way the ADS streams report. */
function setup() {
  let ms = 1_000;
  const registry: ClientRegistry = createClientRegistry({ now: () => new Date(ms) });
  const observed: [string, number][] = [];
  const tracker: ConvergenceTracker = createConvergenceTracker({
    client: (streamId) => registry.client(streamId),
    onConverged: (gateway, seconds) => observed.push([gateway, seconds]),
    now: () => ms,
    wallClock: () => new Date(Date.UTC(2026, 0, 1) + ms),
  });
  const streams = new Map<string, (event: StreamEvent) => void>();
  function event(streamId: string, e: StreamEvent): void {
    streams.get(streamId)!(e);
    const ref = { streamId, protocol: 'delta', peer: '127.0.0.1:1' } as StreamRef;
    tracker.onStreamEvent(e, ref);
  }
  function connect(streamId: string, gateway = GATEWAY): void {
    streams.set(streamId, registry.open({ streamId, protocol: 'delta', peer: '127.0.0.1:1' }));
    event(streamId, { kind: 'connected', node: { id: streamId, cluster: gateway }, gateway });
  }
  const push = (streamId: string, typeUrl: string, version: string) => event(streamId, { kind: 'push', typeUrl, version, resources: 1, bytes: 1, removed: 0 });
  const ack = (streamId: string, typeUrl: string, version: string) => event(streamId, { kind: 'ack', typeUrl, version });
  return {
    tracker,
    /** The publish of `version` to the gateway's clients connected now. */
    published: (version: string, changedAt: number) => tracker.published(GATEWAY, version, changedAt, registry.clients().filter((c) => c.gateway === GATEWAY)),
    observed,
    connect,
    push,
    ack,
    nack: (streamId: string, typeUrl: string, version: string) => event(streamId, { kind: 'nack', typeUrl, version, message: 'bad' }),
    close: (streamId: string) => event(streamId, { kind: 'closed' }),
    advance: (by: number) => (ms += by),
    at: () => ms,
    /** A connected Envoy that runs version `v` of LDS and RDS. */
    running(streamId: string, version: string) {
      connect(streamId);
      for (const t of [LDS, RDS]) {
        push(streamId, t, version);
        ack(streamId, t, version);
      }
    },
  };
}

describe('convergence tracker', () => {
  let t: ReturnType<typeof setup>;
  beforeEach(() => {
    t = setup();
  });

  it('observes the time from the change to the last connected Envoy ACK, and each Envoy own time', () => {
    t.running('a', 'v1');
    t.running('b', 'v1');
    const changedAt = t.at();
    t.advance(100); // the provider's hold-off and the translation
    t.push('a', RDS, 'v2');
    t.push('b', RDS, 'v2');
    t.published('v2', changedAt);
    t.advance(20);
    t.ack('a', RDS, 'v2');
    expect(t.observed).toEqual([]);
    expect(t.tracker.view(GATEWAY)).toEqual({ pending: { version: 'v2', waitingFor: 1, waitingSeconds: 0.12 } });
    t.advance(30);
    t.ack('b', RDS, 'v2');
    expect(t.observed).toEqual([[GATEWAY, 0.15]]);
    expect(t.tracker.view(GATEWAY)).toEqual({ lastConvergenceSeconds: 0.15, lastConvergedVersion: 'v2', lastConvergedAt: new Date(Date.UTC(2026, 0, 1) + t.at()).toISOString() });
    expect([t.tracker.clientAckSeconds('a'), t.tracker.clientAckSeconds('b')]).toEqual([0.12, 0.15]);
  });

  it('makes no observation when no Envoy is connected', () => {
    t.published('v1', t.at());
    expect(t.observed).toEqual([]);
    expect(t.tracker.view(GATEWAY)).toBeUndefined();
  });

  it('does not wait for an Envoy that connects after the publish', () => {
    t.running('a', 'v1');
    const changedAt = t.at();
    t.push('a', RDS, 'v2');
    t.published('v2', changedAt);
    t.connect('late');
    t.push('late', LDS, 'v2'); // sent everything as it connects, never ACKs
    t.advance(40);
    t.ack('a', RDS, 'v2');
    expect(t.observed).toEqual([[GATEWAY, 0.04]]);
    expect(t.tracker.clientAckSeconds('late')).toBeUndefined();
  });

  it('folds a superseded change into the next one, counted from the earliest change', () => {
    t.running('a', 'v1');
    const first = t.at();
    t.push('a', RDS, 'v2');
    t.published('v2', first);
    t.advance(50);
    const second = t.at();
    t.push('a', RDS, 'v3');
    t.published('v3', second);
    t.advance(10);
    t.ack('a', RDS, 'v2'); // the late ACK of the superseded version: not yet converged
    expect(t.observed).toEqual([]);
    t.advance(10);
    t.ack('a', RDS, 'v3');
    expect(t.observed).toEqual([[GATEWAY, 0.07]]);
    expect(t.tracker.view(GATEWAY)?.lastConvergedVersion).toBe('v3');
  });

  it('keeps a change open while an Envoy refuses it, and closes it when a later snapshot is ACKed', () => {
    t.running('a', 'v1');
    const changedAt = t.at();
    t.push('a', RDS, 'v2');
    t.published('v2', changedAt);
    t.advance(10);
    t.nack('a', RDS, 'v2');
    t.advance(200);
    expect(t.observed).toEqual([]);
    t.push('a', RDS, 'v3'); // republished without the refused route
    t.published('v3', t.at());
    t.advance(5);
    t.ack('a', RDS, 'v3');
    expect(t.observed).toEqual([[GATEWAY, 0.215]]);
  });

  it('does not take the ACK of a containment probe for the change: only the next publish ends the probe', () => {
    t.running('a', 'v1');
    const changedAt = t.at();
    t.push('a', RDS, 'v2');
    t.published('v2', changedAt);
    t.nack('a', RDS, 'v2');
    t.tracker.probing('a');
    t.push('a', RDS, 'v2~probe-1');
    t.advance(30);
    t.ack('a', RDS, 'v2~probe-1');
    expect(t.observed).toEqual([]);
    // Republished without the culprit, the very content of the probe: nothing is sent, the Envoy runs it.
    t.advance(10);
    t.published('v3', t.at());
    expect(t.observed).toEqual([[GATEWAY, 0.04]]);
  });

  it('converges at once when the change sends nothing to the connected Envoys', () => {
    t.running('a', 'v1');
    const changedAt = t.at();
    t.advance(30);
    t.published('v2', changedAt);
    expect(t.observed).toEqual([[GATEWAY, 0.03]]);
  });

  it('makes no observation when every Envoy waited for disconnects first, and forgets a removed gateway', () => {
    t.running('a', 'v1');
    t.push('a', RDS, 'v2');
    t.published('v2', t.at());
    t.close('a');
    expect(t.observed).toEqual([]);
    expect(t.tracker.view(GATEWAY)).toBeUndefined();

    t.running('b', 'v2');
    t.push('b', RDS, 'v3');
    t.published('v3', t.at());
    t.ack('b', RDS, 'v3');
    expect(t.tracker.view(GATEWAY)).toBeDefined();
    t.tracker.forget(GATEWAY);
    expect(t.tracker.view(GATEWAY)).toBeUndefined();
  });
});
