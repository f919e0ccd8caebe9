/**
 * The delta ADS state machine, rule by rule (xDS protocol doc, "Incremental xDS"), against a fake
 * ConfigWatcher and a fake client that records what is sent.
 */
import { createDeltaStream, type DeltaStreamOptions } from './delta-stream.js';
import type {
  CachedResource,
  ConfigWatcher,
  DeltaDiscoveryRequest,
  DeltaDiscoveryResponse,
  ResourceSnapshot,
  StreamEvent,
} from '../types.js';

const CDS = 'type.googleapis.com/envoy.config.cluster.v3.Cluster';
const EDS = 'type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment';
const LDS = 'type.googleapis.com/envoy.config.listener.v3.Listener';
const RDS = 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration';
const GATEWAY = 'default/gw';
const NODE = { id: 'envoy-1', cluster: GATEWAY };

/** `name: version`, or `name: [version, wildcard]` for a resource sent only when asked for by name. */
type Spec = Record<string, Record<string, string | [string, boolean]>>;

function snapshot(version: string, spec: Spec): ResourceSnapshot {
  const resources = new Map<string, Map<string, CachedResource>>();
  for (const [typeUrl, byName] of Object.entries(spec)) {
    const map = new Map<string, CachedResource>();
    for (const [name, value] of Object.entries(byName)) {
      const [v, wildcard] = typeof value === 'string' ? [value, true] : value;
      map.set(name, { name, version: v, bytes: new TextEncoder().encode(`${name}@${v}`), wildcard });
    }
    resources.set(typeUrl, map);
  }
  return { version, resources };
}

function fakeWatcher() {
  const current = new Map<string, ResourceSnapshot>();
  const listeners = new Map<string, Set<(s: ResourceSnapshot) => void>>();
  const watcher: ConfigWatcher = {
    snapshot: (gateway) => current.get(gateway),
    subscribe(gateway, onChange) {
      const set = listeners.get(gateway) ?? new Set();
      listeners.set(gateway, set);
      set.add(onChange);
      return () => set.delete(onChange);
    },
  };
  return {
    watcher,
    publish(s: ResourceSnapshot, gateway = GATEWAY) {
      current.set(gateway, s);
      for (const l of [...(listeners.get(gateway) ?? [])]) l(s);
    },
    watchers: (gateway = GATEWAY) => listeners.get(gateway)?.size ?? 0,
  };
}

function setup(options: Partial<DeltaStreamOptions> = {}) {
  const cache = fakeWatcher();
  const sent: DeltaDiscoveryResponse[] = [];
  const events: StreamEvent[] = [];
  let n = 0;
  const stream = createDeltaStream({
    watcher: cache.watcher,
    send: (r) => sent.push(r),
    onEvent: (e) => events.push(e),
    nonce: () => `n${++n}`,
    ...options,
  });
  /** Responses sent since the last call. */
  let seen = 0;
  const take = () => sent.slice(seen, (seen = sent.length));
  const request = (r: DeltaDiscoveryRequest) => stream.onRequest(r);
  const ack = (r: DeltaDiscoveryResponse) => request({ typeUrl: r.typeUrl, responseNonce: r.nonce });
  const nack = (r: DeltaDiscoveryResponse, message = 'rejected') =>
    request({ typeUrl: r.typeUrl, responseNonce: r.nonce, errorDetail: { code: 3, message } });
  return { ...cache, stream, sent, events, take, request, ack, nack };
}

const names = (r: DeltaDiscoveryResponse | undefined) => r?.resources.map((x) => `${x.name}@${x.version}`);
const kinds = (events: StreamEvent[], kind: StreamEvent['kind']) => events.filter((e) => e.kind === kind);

const BASE: Spec = {
  [CDS]: { 'c-a': 'c1', 'c-b': 'c1' },
  [EDS]: { 'c-a': 'e1', 'c-b': 'e1' },
  [LDS]: { 'l-http': 'l1', 'api.example:80': ['a1', false] },
  [RDS]: { 'r-http': 'r1', 'r-other': 'r1' },
};

describe('delta stream: connection', () => {
  it('learns the gateway from node.cluster, and answers once a snapshot is published', () => {
    const t = setup();
    t.request({ node: NODE, typeUrl: LDS });
    expect(t.events).toEqual([{ kind: 'connected', node: NODE, gateway: GATEWAY }]);
    expect(t.take()).toEqual([]);
    t.publish(snapshot('v1', BASE));
    const [lds] = t.take();
    expect(lds).toMatchObject({ typeUrl: LDS, systemVersionInfo: 'v1', removedResources: [] });
    expect(names(lds)).toEqual(['l-http@l1']);
  });

  it('answers at once when the gateway already has a snapshot', () => {
    const t = setup();
    t.publish(snapshot('v1', BASE));
    t.request({ node: NODE, typeUrl: CDS });
    expect(t.take().map(names)).toEqual([['c-a@c1', 'c-b@c1']]);
  });

  it('serves nothing to a node that names no gateway', () => {
    const t = setup();
    t.publish(snapshot('v1', BASE));
    t.request({ node: { id: 'x' }, typeUrl: LDS });
    expect(t.events).toEqual([{ kind: 'connected', node: { id: 'x' }, gateway: undefined }]);
    expect(t.take()).toEqual([]);
    expect(t.watchers()).toBe(0);
  });

  it('serves only its own gateway', () => {
    const t = setup();
    t.request({ node: NODE, typeUrl: LDS });
    t.publish(snapshot('other', BASE), 'default/other');
    expect(t.take()).toEqual([]);
  });

  it('fills systemVersionInfo, the resource Any and control_plane', () => {
    const t = setup({ controlPlaneId: 'portico-0' });
    t.publish(snapshot('v1', BASE));
    t.request({ node: NODE, typeUrl: RDS, resourceNamesSubscribe: ['r-http'] });
    const [rds] = t.take();
    expect(rds).toEqual({
      systemVersionInfo: 'v1',
      typeUrl: RDS,
      nonce: 'n1',
      removedResources: [],
      controlPlane: { identifier: 'portico-0' },
      resources: [{ name: 'r-http', version: 'r1', resource: { typeUrl: RDS, value: new TextEncoder().encode('r-http@r1') } }],
    });
  });
});

describe('delta stream: subscriptions', () => {
  it('treats a first LDS/CDS request without names as a wildcard subscription (legacy wildcard)', () => {
    const t = setup();
    t.publish(snapshot('v1', BASE));
    t.request({ node: NODE, typeUrl: CDS });
    t.request({ typeUrl: LDS });
    expect(t.take().map(names)).toEqual([['c-a@c1', 'c-b@c1'], ['l-http@l1']]);
  });

  it('does not treat an RDS/EDS request without names as wildcard', () => {
    const t = setup();
    t.publish(snapshot('v1', BASE));
    t.request({ node: NODE, typeUrl: RDS });
    t.request({ typeUrl: EDS });
    expect(t.take()).toEqual([]);
  });

  it('subscribes to every LDS/CDS resource with the explicit wildcard "*"', () => {
    const t = setup();
    t.publish(snapshot('v1', BASE));
    t.request({ node: NODE, typeUrl: CDS, resourceNamesSubscribe: ['*', 'c-a'] });
    expect(t.take().map(names)).toEqual([['c-a@c1', 'c-b@c1']]);
  });

  it('treats "*" as an ordinary name on the types without a wildcard (RDS, EDS)', () => {
    const t = setup();
    t.publish(snapshot('v1', { ...BASE, [RDS]: { ...BASE[RDS], '*': 'odd' } }));
    t.request({ node: NODE, typeUrl: RDS, resourceNamesSubscribe: ['*'] });
    t.request({ typeUrl: EDS, resourceNamesSubscribe: ['*'] });
    expect(t.take().map(names)).toEqual([['*@odd']]);
  });

  it('gives a named subscription exactly its names, non-wildcard resources (proxyless API listeners) included', () => {
    const t = setup();
    t.publish(snapshot('v1', BASE));
    t.request({ node: NODE, typeUrl: LDS, resourceNamesSubscribe: ['api.example:80'] });
    t.request({ typeUrl: RDS, resourceNamesSubscribe: ['r-http'] });
    expect(t.take().map(names)).toEqual([['api.example:80@a1'], ['r-http@r1']]);
  });

  it('never sends a non-wildcard resource to a wildcard subscriber', () => {
    const t = setup();
    t.publish(snapshot('v1', BASE));
    t.request({ node: NODE, typeUrl: LDS, resourceNamesSubscribe: ['*'] });
    expect(t.take().flatMap(names)).toEqual(['l-http@l1']);
  });

  it('adds names to a subscription: only the new ones are sent', () => {
    const t = setup();
    t.publish(snapshot('v1', BASE));
    t.request({ node: NODE, typeUrl: RDS, resourceNamesSubscribe: ['r-http'] });
    t.ack(t.take()[0]!);
    t.request({ typeUrl: RDS, resourceNamesSubscribe: ['r-other'] });
    expect(t.take().map(names)).toEqual([['r-other@r1']]);
  });

  it('keeps the wildcard when a legacy wildcard client then subscribes to names, until it unsubscribes "*"', () => {
    const t = setup();
    t.publish(snapshot('v1', BASE));
    t.request({ node: NODE, typeUrl: LDS });
    t.ack(t.take()[0]!);
    t.request({ typeUrl: LDS, resourceNamesSubscribe: ['api.example:80'] });
    const [named] = t.take();
    expect(names(named)).toEqual(['api.example:80@a1']);
    t.ack(named!);
    t.request({ typeUrl: LDS, resourceNamesUnsubscribe: ['*'] });
    expect(t.take()).toEqual([]);
    // l-http is no longer tracked: a change to it is not sent; the named one still is.
    t.publish(snapshot('v2', { ...BASE, [LDS]: { 'l-http': 'l2', 'api.example:80': ['a2', false] } }));
    expect(t.take().map(names)).toEqual([['api.example:80@a2']]);
  });

  it('stops sending a resource once unsubscribed, without removing it', () => {
    const t = setup();
    t.publish(snapshot('v1', BASE));
    t.request({ node: NODE, typeUrl: RDS, resourceNamesSubscribe: ['r-http', 'r-other'] });
    t.ack(t.take()[0]!);
    t.request({ typeUrl: RDS, resourceNamesUnsubscribe: ['r-other'] });
    expect(t.take()).toEqual([]);
    t.publish(snapshot('v2', { ...BASE, [RDS]: { 'r-http': 'r1', 'r-other': 'r2' } }));
    t.publish(snapshot('v3', { ...BASE, [RDS]: { 'r-http': 'r1' } }));
    expect(t.take()).toEqual([]);
  });

  it('forgets a resource unsubscribed while the response carrying it was on its way', () => {
    const t = setup();
    t.publish(snapshot('v1', BASE));
    t.request({ node: NODE, typeUrl: RDS, resourceNamesSubscribe: ['r-http', 'r-other'] });
    const [first] = t.take();
    t.request({ typeUrl: RDS, resourceNamesUnsubscribe: ['r-other'] });
    t.ack(first!);
    t.publish(snapshot('v2', { ...BASE, [RDS]: { 'r-http': 'r1' } }));
    expect(t.take()).toEqual([]); // r-other is gone, but the client no longer has it: no removal
  });

  it('resends a resource subscribed again after an unsubscribe', () => {
    const t = setup();
    t.publish(snapshot('v1', BASE));
    t.request({ node: NODE, typeUrl: RDS, resourceNamesSubscribe: ['r-http'] });
    t.ack(t.take()[0]!);
    t.request({ typeUrl: RDS, resourceNamesUnsubscribe: ['r-http'] });
    t.request({ typeUrl: RDS, resourceNamesSubscribe: ['r-http'] });
    expect(t.take().map(names)).toEqual([['r-http@r1']]);
  });

  it('tells a wildcard client that unsubscribes a name whether the resource is still there', () => {
    const t = setup();
    t.publish(snapshot('v1', BASE));
    t.request({ node: NODE, typeUrl: LDS, resourceNamesSubscribe: ['*', 'l-http', 'api.example:80'] });
    t.ack(t.take()[0]!);
    t.request({ typeUrl: LDS, resourceNamesUnsubscribe: ['l-http', 'api.example:80'] });
    const [resend, removal] = t.take();
    // l-http is still the client's through the wildcard: sent again; the API listener is not: removed.
    expect(names(resend)).toEqual(['l-http@l1']);
    expect(removal).toBeUndefined();
    t.ack(resend!);
    expect(t.take().map((r) => r.removedResources)).toEqual([['api.example:80']]);
  });
});

describe('delta stream: per-resource versions', () => {
  it('pushes only the resources whose version changed', () => {
    const t = setup();
    t.publish(snapshot('v1', BASE));
    t.request({ node: NODE, typeUrl: CDS });
    t.ack(t.take()[0]!);
    t.publish(snapshot('v2', { ...BASE, [CDS]: { 'c-a': 'c1', 'c-b': 'c2' } }));
    const [cds] = t.take();
    expect(names(cds)).toEqual(['c-b@c2']);
    expect(cds!.systemVersionInfo).toBe('v2');
  });

  it('sends nothing for a snapshot whose resources did not change', () => {
    const t = setup();
    t.publish(snapshot('v1', BASE));
    t.request({ node: NODE, typeUrl: CDS });
    t.ack(t.take()[0]!);
    t.publish(snapshot('v2', BASE));
    expect(t.take()).toEqual([]);
  });

  it('removes a subscribed resource that is gone from the snapshot', () => {
    const t = setup();
    t.publish(snapshot('v1', BASE));
    t.request({ node: NODE, typeUrl: RDS, resourceNamesSubscribe: ['r-http', 'r-other'] });
    t.ack(t.take()[0]!);
    t.publish(snapshot('v2', { ...BASE, [RDS]: { 'r-http': 'r1' } }));
    const [removal] = t.take();
    expect(removal).toMatchObject({ typeUrl: RDS, systemVersionInfo: 'v2', resources: [], removedResources: ['r-other'] });
    t.ack(removal!);
    t.publish(snapshot('v3', { ...BASE, [RDS]: { 'r-http': 'r1' } }));
    expect(t.take()).toEqual([]);
  });

  it('removes a wildcard resource that is gone, and sends it again if it comes back', () => {
    const t = setup();
    t.publish(snapshot('v1', BASE));
    t.request({ node: NODE, typeUrl: CDS });
    t.ack(t.take()[0]!);
    t.publish(snapshot('v2', { ...BASE, [CDS]: { 'c-a': 'c1' } }));
    const [removal] = t.take();
    expect(removal!.removedResources).toEqual(['c-b']);
    t.ack(removal!);
    t.publish(snapshot('v3', BASE));
    expect(t.take().map(names)).toEqual([['c-b@c1']]);
  });

  it('sends nothing for a named resource that does not exist, and sends it when it appears', () => {
    const t = setup();
    t.publish(snapshot('v1', BASE));
    t.request({ node: NODE, typeUrl: RDS, resourceNamesSubscribe: ['r-missing'] });
    expect(t.take()).toEqual([]);
    t.publish(snapshot('v2', { ...BASE, [RDS]: { ...BASE[RDS], 'r-missing': 'm1' } }));
    expect(t.take().map(names)).toEqual([['r-missing@m1']]);
  });

  it('answers a first wildcard subscription even when there is nothing of the type', () => {
    const t = setup();
    t.publish(snapshot('v1', { [CDS]: {} }));
    t.request({ node: NODE, typeUrl: LDS });
    expect(t.take()).toEqual([{ systemVersionInfo: 'v1', resources: [], typeUrl: LDS, removedResources: [], nonce: 'n1' }]);
  });
});

describe('delta stream: reconnection (initialResourceVersions)', () => {
  it('does not resend what the client has, sends what changed and removes what is gone', () => {
    const t = setup();
    t.publish(snapshot('v2', { ...BASE, [CDS]: { 'c-a': 'c1', 'c-b': 'c2' } }));
    t.request({ node: NODE, typeUrl: CDS, initialResourceVersions: { 'c-a': 'c1', 'c-b': 'c1', 'c-gone': 'c1' } });
    const [cds, removal] = t.take();
    expect(names(cds)).toEqual(['c-b@c2']);
    expect(cds!.removedResources).toEqual([]);
    expect(removal).toBeUndefined();
    t.ack(cds!);
    expect(t.take().map((r) => r.removedResources)).toEqual([['c-gone']]);
  });

  it('answers an up-to-date wildcard client with an empty response, and a named one with nothing', () => {
    const t = setup();
    t.publish(snapshot('v1', BASE));
    t.request({ node: NODE, typeUrl: LDS, initialResourceVersions: { 'l-http': 'l1' } });
    t.request({ typeUrl: RDS, resourceNamesSubscribe: ['r-http'], initialResourceVersions: { 'r-http': 'r1' } });
    const sent = t.take();
    expect(sent.map((r) => [r.typeUrl, r.resources.length, r.removedResources.length])).toEqual([[LDS, 0, 0]]);
  });

  it('puts removals in the first wildcard answer when nothing else changed', () => {
    const t = setup();
    t.publish(snapshot('v1', BASE));
    t.request({ node: NODE, typeUrl: LDS, initialResourceVersions: { 'l-http': 'l1', 'l-old': 'l0' } });
    expect(t.take().map((r) => [names(r), r.removedResources])).toEqual([[[], ['l-old']]]);
  });

  it('counts initialResourceVersions only on the first request of a type', () => {
    const t = setup();
    t.publish(snapshot('v1', BASE));
    t.request({ node: NODE, typeUrl: RDS, resourceNamesSubscribe: ['r-http'] });
    t.ack(t.take()[0]!);
    t.request({ typeUrl: RDS, resourceNamesSubscribe: ['r-other'], initialResourceVersions: { 'r-other': 'r1' } });
    expect(t.take().map(names)).toEqual([['r-other@r1']]);
  });
});

describe('delta stream: nonces, ACK and NACK', () => {
  it('uses a fresh nonce for every response', () => {
    const t = setup({ nonce: undefined });
    t.publish(snapshot('v1', BASE));
    t.request({ node: NODE, typeUrl: CDS });
    t.request({ typeUrl: LDS });
    t.ack(t.sent[0]!);
    t.publish(snapshot('v2', { ...BASE, [CDS]: { 'c-a': 'c2', 'c-b': 'c1' } }));
    const nonces = t.sent.map((r) => r.nonce);
    expect(nonces).toHaveLength(3);
    expect(new Set(nonces).size).toBe(3);
    expect(nonces.every((n) => n.length > 0)).toBe(true);
  });

  it('records an ACK with the version of the response it acknowledges', () => {
    const t = setup();
    t.publish(snapshot('v1', BASE));
    t.request({ node: NODE, typeUrl: CDS });
    t.ack(t.take()[0]!);
    expect(kinds(t.events, 'ack')).toEqual([{ kind: 'ack', typeUrl: CDS, version: 'v1' }]);
  });

  it('ignores a stale nonce: no ACK recorded, the response stays unanswered', () => {
    const t = setup();
    t.publish(snapshot('v1', BASE));
    t.request({ node: NODE, typeUrl: CDS });
    const [first] = t.take();
    t.request({ typeUrl: CDS, responseNonce: 'not-a-nonce-we-sent' });
    t.request({ typeUrl: CDS, responseNonce: first!.nonce, errorDetail: null }); // the real ACK
    t.publish(snapshot('v2', { ...BASE, [CDS]: { 'c-a': 'c2', 'c-b': 'c1' } }));
    const [second] = t.take();
    t.request({ typeUrl: CDS, responseNonce: first!.nonce, errorDetail: { message: 'late NACK of v1' } });
    expect(kinds(t.events, 'nack')).toEqual([]);
    expect(kinds(t.events, 'ack')).toEqual([{ kind: 'ack', typeUrl: CDS, version: 'v1' }]);
    t.ack(second!);
    expect(kinds(t.events, 'ack')).toHaveLength(2);
  });

  it('still applies the subscription change a request with a stale nonce carries', () => {
    // Delta subscriptions are changes, not state: dropping one would lose it for good.
    const t = setup();
    t.publish(snapshot('v1', BASE));
    t.request({ node: NODE, typeUrl: RDS, resourceNamesSubscribe: ['r-http'] });
    t.ack(t.take()[0]!);
    t.request({ typeUrl: RDS, responseNonce: 'stale', resourceNamesSubscribe: ['r-other'] });
    expect(t.take().map(names)).toEqual([['r-other@r1']]);
  });

  it('records a NACK with its message and sends nothing new until a new version appears', () => {
    const t = setup();
    t.publish(snapshot('v1', BASE));
    t.request({ node: NODE, typeUrl: CDS });
    t.ack(t.take()[0]!);
    t.publish(snapshot('v2', { ...BASE, [CDS]: { 'c-a': 'c2', 'c-b': 'c2' } }));
    t.nack(t.take()[0]!, 'cluster c-a: invalid lb_policy');
    expect(kinds(t.events, 'nack')).toEqual([{ kind: 'nack', typeUrl: CDS, version: 'v2', message: 'cluster c-a: invalid lb_policy' }]);
    expect(t.take()).toEqual([]);
    // Another snapshot with the same refused bytes: still nothing.
    t.publish(snapshot('v3', { ...BASE, [CDS]: { 'c-a': 'c2', 'c-b': 'c2' } }));
    expect(t.take()).toEqual([]);
    // A new version of c-a is sent; c-b (refused, unchanged) is not.
    t.publish(snapshot('v4', { ...BASE, [CDS]: { 'c-a': 'c3', 'c-b': 'c2' } }));
    const [fixed] = t.take();
    expect(names(fixed)).toEqual(['c-a@c3']);
    t.ack(fixed!);
    expect(kinds(t.events, 'ack').at(-1)).toEqual({ kind: 'ack', typeUrl: CDS, version: 'v4' });
  });

  it('keeps the last accepted versions after a NACK', () => {
    const t = setup();
    t.publish(snapshot('v1', BASE));
    t.request({ node: NODE, typeUrl: CDS });
    t.ack(t.take()[0]!);
    t.publish(snapshot('v2', { ...BASE, [CDS]: { 'c-a': 'bad', 'c-b': 'c1' } }));
    t.nack(t.take()[0]!);
    // A refused resource that disappears is removed: the client still holds its accepted version.
    t.publish(snapshot('v3', { ...BASE, [CDS]: { 'c-b': 'c1' } }));
    expect(t.take().map((r) => r.removedResources)).toEqual([['c-a']]);
  });

  it('resends the accepted version once when a refused resource goes back to it', () => {
    // Envoy applies the valid resources of a refused CDS/LDS response: the client may run either.
    const t = setup();
    t.publish(snapshot('v1', BASE));
    t.request({ node: NODE, typeUrl: CDS });
    t.ack(t.take()[0]!);
    t.publish(snapshot('v2', { ...BASE, [CDS]: { 'c-a': 'c2', 'c-b': 'c1' } }));
    t.nack(t.take()[0]!);
    t.request({ typeUrl: RDS, resourceNamesSubscribe: ['r-http'] });
    t.ack(t.take()[0]!);
    t.publish(snapshot('v3', BASE));
    const [rollback] = t.take();
    expect(names(rollback)).toEqual(['c-a@c1']);
    // While the rollback is unanswered, it holds nothing back.
    t.publish(snapshot('v3b', { ...BASE, [RDS]: { 'r-http': 'r2', 'r-other': 'r1' } }));
    const [rds] = t.take();
    expect(names(rds)).toEqual(['r-http@r2']);
    t.ack(rds!);
    t.ack(rollback!);
    t.publish(snapshot('v4', { ...BASE, [RDS]: { 'r-http': 'r2', 'r-other': 'r1' } }));
    expect(t.take()).toEqual([]);
  });

  it('does not resend refused bytes that come back before anything else was sent', () => {
    const t = setup();
    t.publish(snapshot('v1', BASE));
    t.request({ node: NODE, typeUrl: CDS });
    t.ack(t.take()[0]!);
    t.publish(snapshot('v2', { ...BASE, [CDS]: { 'c-a': 'bad', 'c-b': 'c1' } }));
    const [refused] = t.take();
    t.publish(snapshot('v3', { ...BASE, [CDS]: { 'c-a': 'good', 'c-b': 'c1' } })); // held back: v2 unanswered
    t.publish(snapshot('v4', { ...BASE, [CDS]: { 'c-a': 'bad', 'c-b': 'c1' } }));
    t.nack(refused!);
    expect(t.take()).toEqual([]);
  });

  it('does not resend a refused removal until the resource changes', () => {
    const t = setup();
    t.publish(snapshot('v1', BASE));
    t.request({ node: NODE, typeUrl: CDS });
    t.ack(t.take()[0]!);
    t.publish(snapshot('v2', { ...BASE, [CDS]: { 'c-a': 'c1' } }));
    t.nack(t.take()[0]!);
    t.publish(snapshot('v3', { ...BASE, [CDS]: { 'c-a': 'c1' } }));
    expect(t.take()).toEqual([]);
    t.publish(snapshot('v4', { ...BASE, [CDS]: { 'c-a': 'c1', 'c-b': 'c9' } }));
    expect(t.take().map(names)).toEqual([['c-b@c9']]);
  });

  it('holds changes while a response is unanswered, then sends the latest state only', () => {
    const t = setup();
    t.publish(snapshot('v1', BASE));
    t.request({ node: NODE, typeUrl: CDS });
    const [first] = t.take();
    t.publish(snapshot('v2', { ...BASE, [CDS]: { 'c-a': 'c2', 'c-b': 'c1' } }));
    t.publish(snapshot('v3', { ...BASE, [CDS]: { 'c-a': 'c3', 'c-b': 'c1' } }));
    expect(t.take()).toEqual([]);
    t.ack(first!);
    const [latest] = t.take();
    expect(names(latest)).toEqual(['c-a@c3']);
    expect(latest!.systemVersionInfo).toBe('v3');
  });

  it('works with a client that answers before send returns', () => {
    const cache = fakeWatcher();
    const sent: DeltaDiscoveryResponse[] = [];
    const events: StreamEvent[] = [];
    const stream = createDeltaStream({
      watcher: cache.watcher,
      send(r) {
        sent.push(r);
        stream.onRequest({ typeUrl: r.typeUrl, responseNonce: r.nonce });
      },
      onEvent: (e) => events.push(e),
    });
    cache.publish(snapshot('v1', BASE));
    stream.onRequest({ node: NODE, typeUrl: CDS });
    stream.onRequest({ typeUrl: EDS, resourceNamesSubscribe: ['c-a', 'c-b'] });
    cache.publish(snapshot('v2', { ...BASE, [CDS]: { 'c-a': 'c2' }, [EDS]: { 'c-a': 'e2' } }));
    expect(sent.map((r) => [r.typeUrl, r.systemVersionInfo, names(r), r.removedResources])).toEqual([
      [CDS, 'v1', ['c-a@c1', 'c-b@c1'], []],
      [EDS, 'v1', ['c-a@e1', 'c-b@e1'], []],
      [CDS, 'v2', ['c-a@c2'], []],
      [EDS, 'v2', ['c-a@e2'], []],
      [CDS, 'v2', [], ['c-b']],
      [EDS, 'v2', [], ['c-b']],
    ]);
    expect(kinds(events, 'ack')).toHaveLength(6);
  });
});

describe('delta stream: make-before-break', () => {
  function subscribedToAll() {
    const t = setup();
    t.publish(snapshot('v1', BASE));
    t.request({ node: NODE, typeUrl: LDS });
    t.request({ typeUrl: RDS, resourceNamesSubscribe: ['r-http', 'r-other'] });
    t.request({ typeUrl: CDS });
    t.request({ typeUrl: EDS, resourceNamesSubscribe: ['c-a', 'c-b', 'c-new'] });
    for (const r of t.take()) t.ack(r);
    return t;
  }

  it('pushes a change in PUSH_ORDER: clusters, endpoints, listeners, routes', () => {
    const t = subscribedToAll();
    t.publish(
      snapshot('v2', {
        [RDS]: { 'r-http': 'r2', 'r-other': 'r1' },
        [LDS]: { 'l-http': 'l2', 'api.example:80': ['a1', false] },
        [EDS]: { 'c-a': 'e1', 'c-b': 'e1', 'c-new': 'e2' },
        [CDS]: { 'c-a': 'c1', 'c-b': 'c1', 'c-new': 'c2' },
      }),
    );
    expect(t.take().map((r) => [r.typeUrl, names(r)])).toEqual([
      [CDS, ['c-new@c2']],
      [EDS, ['c-new@e2']],
      [LDS, ['l-http@l2']],
      [RDS, ['r-http@r2']],
    ]);
  });

  it('sends removals in their own responses, once the updates are acknowledged', () => {
    const t = subscribedToAll();
    // The route moves from c-b to c-new: c-new must arrive before the route, c-b go only after it.
    t.publish(
      snapshot('v2', {
        [CDS]: { 'c-a': 'c1', 'c-new': 'c2' },
        [EDS]: { 'c-a': 'e1', 'c-new': 'e2' },
        [LDS]: BASE[LDS]!,
        [RDS]: { 'r-http': 'r2' },
      }),
    );
    const updates = t.take();
    expect(updates.map((r) => [r.typeUrl, names(r), r.removedResources])).toEqual([
      [CDS, ['c-new@c2'], []],
      [EDS, ['c-new@e2'], []],
      [RDS, ['r-http@r2'], []],
    ]);
    t.ack(updates[0]!);
    t.ack(updates[1]!);
    expect(t.take()).toEqual([]); // the route update is not acknowledged yet
    t.ack(updates[2]!);
    expect(t.take().map((r) => [r.typeUrl, names(r), r.removedResources])).toEqual([
      [CDS, [], ['c-b']],
      [EDS, [], ['c-b']],
      [RDS, [], ['r-other']],
    ]);
  });

  it('holds later types while an earlier type must wait for an ACK', () => {
    const t = setup();
    t.publish(snapshot('v1', BASE));
    t.request({ node: NODE, typeUrl: CDS });
    t.request({ typeUrl: RDS, resourceNamesSubscribe: ['r-http'] });
    const [cds, rds] = t.take();
    t.ack(rds!);
    // CDS v1 is unanswered; v2 adds a cluster and a route that uses it: the route must not overtake it.
    t.publish(snapshot('v2', { ...BASE, [CDS]: { ...BASE[CDS], 'c-new': 'c2' }, [RDS]: { 'r-http': 'r2' } }));
    expect(t.take()).toEqual([]);
    t.ack(cds!);
    expect(t.take().map((r) => [r.typeUrl, names(r)])).toEqual([
      [CDS, ['c-new@c2']],
      [RDS, ['r-http@r2']],
    ]);
  });
});

describe('delta stream: events and close', () => {
  it('reports each push with its size, and the latency of a pushed snapshot', () => {
    let clock = 1000;
    const t = setup({ now: () => clock });
    t.publish(snapshot('v1', BASE));
    t.request({ node: NODE, typeUrl: RDS, resourceNamesSubscribe: ['r-http', 'r-other'] });
    const [first] = t.take();
    clock = 2000;
    t.publish(snapshot('v2', { ...BASE, [RDS]: { 'r-http': 'r2' } }));
    clock = 2005;
    t.ack(first!);
    clock = 2012;
    t.ack(t.take()[0]!);
    expect(kinds(t.events, 'push')).toEqual([
      { kind: 'push', typeUrl: RDS, version: 'v1', resources: 2, bytes: 'r-http@r1r-other@r1'.length, removed: 0 },
      { kind: 'push', typeUrl: RDS, version: 'v2', resources: 1, bytes: 'r-http@r2'.length, removed: 0, latencyMs: 5 },
      { kind: 'push', typeUrl: RDS, version: 'v2', resources: 0, bytes: 0, removed: 1 },
    ]);
  });

  it('unsubscribes on close and sends nothing afterwards', () => {
    const t = setup();
    t.request({ node: NODE, typeUrl: CDS });
    expect(t.watchers()).toBe(1);
    t.stream.close();
    expect(t.watchers()).toBe(0);
    t.publish(snapshot('v1', BASE));
    t.request({ typeUrl: LDS });
    expect(t.sent).toEqual([]);
    expect(t.events.at(-1)).toEqual({ kind: 'closed' });
  });

  it('stops mid-push when closed from inside send', () => {
    const cache = fakeWatcher();
    const sent: DeltaDiscoveryResponse[] = [];
    const stream = createDeltaStream({
      watcher: cache.watcher,
      send(r) {
        sent.push(r);
        stream.close();
      },
    });
    cache.publish(snapshot('v1', BASE));
    stream.onRequest({ node: NODE, typeUrl: CDS });
    stream.onRequest({ typeUrl: LDS });
    expect(sent).toHaveLength(1);
  });
});
