/**
 * NACK containment against the real publisher and a fake refusing client: the client NACKs any table
 * holding a route whose path starts with `/bad` (the IR a probe was built from is read back through
 * the publisher), and answers asynchronously, as a stream would.
 */
import { TYPE_URLS } from '@portico/envoy';
import type { GatewayIR, HTTPListenerIR } from '@portico/ir';
import type { ClientInfo, ResourceSnapshot, StreamEvent, StreamRef } from '@portico/xds-server';
import { silentLogger } from '../logger.js';
import { createNackContainment, type ContainmentOutcome, type NackContainmentOptions } from './nack-containment.js';
import { manyTeams, SHARED, sharedIR, type RouteSpec } from './nack-fixtures.test-util.js';
import { createXdsPublisher } from '../reconcile/publish-gateways.js';
import { createQuarantine } from './quarantine.js';

const STREAM: StreamRef = { streamId: 'delta-1', protocol: 'delta', peer: 'ipv4:127.0.0.1:5000' };
const routePaths = (ir: GatewayIR) => (ir.listeners[0] as HTTPListenerIR).virtualHosts.flatMap((v) => v.routes.map((r) => r.match.path!.value));

function setup(options: { answer?: 'always' | 'never' | 'gone'; userAgent?: string; maxProbes?: number; onProbe?: () => void } = {}) {
  const quarantine = createQuarantine();
  const publisher = createXdsPublisher({ bootId: 'boot', quarantine });
  const outcomes: ContainmentOutcome[] = [];
  const probed: string[][] = [];
  let current: GatewayIR | undefined;
  let acked: string | undefined;
  const republished: string[] = [];
  const client = (): ClientInfo => ({
    streamId: STREAM.streamId,
    protocol: 'delta',
    peer: STREAM.peer,
    nodeId: 'envoy-1',
    userAgent: options.userAgent ?? 'envoy/1.40.0',
    gateway: SHARED,
    connectedAt: '',
    types: { [TYPE_URLS.route]: { pushes: 1, nacks: 1, ...(acked ? { ackedVersion: acked } : {}) } },
  });
  const containmentOptions: NackContainmentOptions = {
    publisher,
    quarantine,
    client,
    logger: silentLogger(),
    // A client that never answers is given up after 50 ms; one that answers is waited for as long as a loaded machine needs.
    probeTimeoutMs: options.answer === 'never' ? 50 : 10_000,
    ...(options.maxProbes === undefined ? {} : { maxProbes: () => options.maxProbes! }),
    onOutcome: (outcome) => outcomes.push(outcome),
    republish(gateway) {
      republished.push(gateway);
      const { version, published } = publisher.publishGateway(gateway, current!);
      // The client is sent the contained table and answers it.
      if (published) deliver(version!);
    },
    probe(_streamId, snapshot: ResourceSnapshot) {
      if (options.answer === 'gone') return false;
      probed.push(routePaths(publisher.irOfVersion(SHARED, snapshot.version)!));
      options.onProbe?.();
      if (options.answer !== 'never') deliver(snapshot.version);
      return true;
    },
  };
  /** The client's answer to a table, a moment later; an ACKed table is what it runs from then on. */
  function deliver(version: string): void {
    const refused = routePaths(publisher.irOfVersion(SHARED, version)!).some((p) => p.startsWith('/bad'));
    setTimeout(() => {
      if (!refused) acked = version;
      containment.onStreamEvent(answer(refused, version), STREAM);
    }, 0);
  }
  const containment = createNackContainment(containmentOptions);
  return {
    publisher,
    quarantine,
    containment,
    outcomes,
    probed,
    republished,
    /** Publishes the routes; with `ack`, the client runs them. */
    publish(routes: RouteSpec[], ack = false): string {
      current = sharedIR(routes);
      const { version } = publisher.publishGateway(SHARED, current);
      if (ack) acked = version;
      return version!;
    },
    served: () => routePaths(publisher.irOfVersion(SHARED, publisher.cache.snapshot(SHARED)!.version)!),
    /** Until no search runs, also after the client answered the last contained table. */
    async quiet(): Promise<void> {
      for (let searches = -1; searches !== outcomes.length; ) {
        searches = outcomes.length;
        await containment.settled();
        await new Promise((r) => setTimeout(r, 5));
        await containment.settled();
      }
    },
  };
}

function answer(refused: boolean, version: string): StreamEvent {
  return refused
    ? { kind: 'nack', typeUrl: TYPE_URLS.route, version, message: 'invalid repetition size: {1001}' }
    : { kind: 'ack', typeUrl: TYPE_URLS.route, version };
}

const bad = (namespace: string): RouteSpec => ({ namespace, name: 'bad', rules: [{ path: `/bad-${namespace}` }] });

describe('createNackContainment', () => {
  it('bisects a refused table by probing the client, quarantines the culprit and republishes without it', async () => {
    const t = setup();
    const teams = manyTeams(20);
    t.publish(teams, true);
    // Twenty teams edit their route at once; one of the edits is refused.
    const edited = teams.map((r, i) => ({ ...r, rules: [{ path: `/r${i}-v2` }] }));
    const refused = t.publish([...edited.slice(0, 13), bad('team-x'), ...edited.slice(13)]);
    t.containment.onStreamEvent(answer(true, refused), STREAM);
    await t.containment.settled();

    expect(t.outcomes).toEqual([expect.objectContaining({ gateway: SHARED, version: refused, candidates: 21, culprits: ['HTTPRoute/team-x/bad/rule/0'], exhausted: false })]);
    expect(t.outcomes[0]!.probes).toBeLessThanOrEqual(2 * Math.ceil(Math.log2(21)));
    expect(t.probed).toHaveLength(t.outcomes[0]!.probes);
    // Every probe holds the rules the client runs: a held edit is served as it was, never dropped.
    for (const paths of t.probed) expect(paths).toHaveLength(20 + (paths.some((p) => p.startsWith('/bad')) ? 1 : 0));
    expect(t.quarantine.entries()).toEqual([expect.objectContaining({ unit: 'HTTPRoute/team-x/bad/rule/0', refusedBy: 'envoy-1', error: 'invalid repetition size: {1001}' })]);
    expect(t.republished).toEqual([SHARED]);
    expect(t.served().sort()).toEqual(edited.map((r) => r.rules[0]!.path).sort());
  });

  it('needs no probe when the error text or a single change names the culprit', async () => {
    const t = setup();
    t.publish(manyTeams(5), true);
    const refused = t.publish([...manyTeams(5), bad('team-x')]);
    t.containment.onStreamEvent(answer(true, refused), STREAM);
    await t.containment.settled();
    expect(t.outcomes[0]).toMatchObject({ candidates: 1, probes: 0, culprits: ['HTTPRoute/team-x/bad/rule/0'] });
  });

  it('tests every rule for a client that never ran a table (a fresh Envoy)', async () => {
    const t = setup();
    const refused = t.publish([...manyTeams(6), bad('team-x'), bad('team-y')]);
    t.containment.onStreamEvent(answer(true, refused), STREAM);
    await t.containment.settled();
    expect(t.outcomes[0]).toMatchObject({ candidates: 8, culprits: ['HTTPRoute/team-x/bad/rule/0', 'HTTPRoute/team-y/bad/rule/0'] });
    expect(t.served()).toHaveLength(6);
  });

  it('searches once per refused version, and never because a probe was refused', async () => {
    const t = setup();
    t.publish(manyTeams(4), true);
    const refused = t.publish([...manyTeams(4), bad('team-x'), bad('team-y')]);
    t.containment.onStreamEvent(answer(true, refused), STREAM);
    t.containment.onStreamEvent(answer(true, refused), { ...STREAM, streamId: 'delta-2' });
    await t.containment.settled();
    t.containment.onStreamEvent(answer(true, refused), STREAM);
    t.containment.onStreamEvent(answer(true, `${refused}~probe-99`), STREAM);
    await t.containment.settled();
    expect(t.outcomes).toHaveLength(1);
  });

  it('quarantines nothing when the client goes away or stops answering', async () => {
    for (const answerMode of ['gone', 'never'] as const) {
      const t = setup({ answer: answerMode });
      t.publish(manyTeams(4), true);
      const refused = t.publish([...manyTeams(4), bad('team-x'), bad('team-y')]);
      t.containment.onStreamEvent(answer(true, refused), STREAM);
      await t.containment.settled();
      expect(t.outcomes).toEqual([expect.objectContaining({ culprits: [], abandoned: expect.any(String) })]);
      expect(t.quarantine.entries()).toEqual([]);
      expect(t.republished).toEqual([]);
    }
  });

  it('with too small a probe budget, quarantines only what it proved and finds the rest on the next refusal', async () => {
    const t = setup({ maxProbes: 5 });
    const teams = manyTeams(16);
    t.publish(teams, true);
    const refused = t.publish([...teams.map((r, i) => ({ ...r, rules: [{ path: `/r${i}-v2` }] })), bad('team-x'), bad('team-y'), bad('team-z')]);
    t.containment.onStreamEvent(answer(true, refused), STREAM);
    await t.quiet();
    expect(t.outcomes.length).toBeGreaterThan(1);
    expect(t.outcomes.every((o) => o.probes <= 5)).toBe(true);
    expect(t.quarantine.entries().map((e) => e.unit)).toEqual(['HTTPRoute/team-x/bad/rule/0', 'HTTPRoute/team-y/bad/rule/0', 'HTTPRoute/team-z/bad/rule/0']);
    expect(t.served()).toHaveLength(16);
    expect(t.served().every((p) => p.endsWith('-v2'))).toBe(true);
  });

  it('keeps an edit published during the search: the contained table is made from the latest objects', async () => {
    let edit: (() => void) | undefined;
    const t = setup({ onProbe: () => edit?.() });
    t.publish(manyTeams(8), true);
    const refused = t.publish([...manyTeams(8).map((r) => ({ ...r, rules: [{ path: `${r.rules[0]!.path}-v2` }] })), bad('team-x')]);
    edit = () => {
      edit = undefined;
      t.publish([...manyTeams(8).map((r) => ({ ...r, rules: [{ path: `${r.rules[0]!.path}-v3` }] })), bad('team-x')]);
    };
    t.containment.onStreamEvent(answer(true, refused), STREAM);
    await t.containment.settled();
    expect(t.outcomes[0]).toMatchObject({ culprits: ['HTTPRoute/team-x/bad/rule/0'] });
    expect(t.served().sort()).toEqual(manyTeams(8).map((r) => `${r.rules[0]!.path}-v3`).sort());
  });

  it('leaves the refusals of proxyless gRPC clients alone (their xDS client supports a subset)', async () => {
    const t = setup({ userAgent: 'gRPC Node Pure JS/1.14.1' });
    t.publish(manyTeams(2), true);
    t.containment.onStreamEvent(answer(true, t.publish([...manyTeams(2), bad('team-x')])), STREAM);
    await t.containment.settled();
    expect(t.outcomes).toEqual([]);
  });

  it('ignores NACKs of other types and of versions it no longer knows', async () => {
    const t = setup();
    t.publish(manyTeams(2), true);
    t.containment.onStreamEvent({ kind: 'nack', typeUrl: TYPE_URLS.cluster, version: 'boot-1', message: 'no' }, STREAM);
    t.containment.onStreamEvent(answer(true, 'other-boot-7'), STREAM);
    await t.containment.settled();
    expect(t.outcomes).toEqual([expect.objectContaining({ abandoned: 'the refused snapshot is no longer remembered' })]);
  });
});
