/**
 * NACK containment with translation on the worker: the worker applies its copy of the quarantine to
 * every build, and serves the same bytes, statuses and built IR as the in-process publisher with the
 * same quarantine; a changed route releases its entry (the answer says so); a probe built there has
 * the bytes of the in-process probe. Through the real worker thread (the compiled dist/ script).
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { TYPE_URLS } from '@portico/envoy';
import type { ProviderSnapshot } from '@portico/provider';
import { ResourceSet, type Resource } from '@portico/resources';
import { translate } from '@portico/translator';
import type { ResourceSnapshot, SnapshotCache, TypeUrl } from '@portico/xds-server';
import { demoObjects } from '../fixtures.test-util.js';
import { createQuarantine, type QuarantineEntry } from '../isolation/quarantine.js';
import { withQuarantineStatuses } from '../isolation/quarantine-status.js';
import { probeTable, routeUnits, unitFingerprint } from '../isolation/route-units.js';
import { createXdsPublisher } from '../reconcile/publish-gateways.js';
import { createWorkerPublisher } from './publish-worker-translation.js';
import { createTranslationWorkerHost, type TranslationWorkerHost, type WorkerTranslation } from './translation-worker-host.js';

const script = new URL('../../dist/translation-worker/translation-worker.js', import.meta.url);
const now = new Date(0);
const GW = 'default/gw';
const UNIT = 'HTTPRoute/default/r0/rule/0';

function route(name: string, header: string): Resource {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name, namespace: 'default' },
    spec: {
      parentRefs: [{ name: 'gw' }],
      hostnames: [`${name}.test`],
      rules: [{ matches: [{ path: { type: 'PathPrefix', value: `/${name}` }, headers: [{ name: 'x-tenant', value: header }] }], backendRefs: [{ name: 'echo', port: 9000 }] }],
    },
  } as Resource;
}

function snapshot(generation: number, r0Header: string, changed = false): ProviderSnapshot {
  const resources = ResourceSet.from([...demoObjects(), route('r0', r0Header), route('r1', 'b')]);
  return { generation, resources, objects: [...resources.all()], ...(changed ? { changes: [{ kind: 'HTTPRoute', namespace: 'default', name: 'r0', type: 'upsert' as const }] } : {}) };
}

function entryFor(s: ProviderSnapshot): QuarantineEntry {
  const ir = translate(s.resources, { now }).gateways.get(GW)!;
  return { gateway: GW, unit: UNIT, kind: 'HTTPRoute', namespace: 'default', name: 'r0', rule: 0, fingerprint: unitFingerprint(routeUnits(ir).get(UNIT)!), typeUrl: TYPE_URLS.route, version: 'v1', refusedBy: 'envoy-1', error: 'refused', probes: 1, since: now.toISOString() };
}

function success(answer: WorkerTranslation): Extract<WorkerTranslation, { result: 'success' }> {
  if (answer.result !== 'success') throw answer.error;
  return answer;
}

/** name → hex bytes of one type of a served snapshot. */
function served(publisher: { cache: SnapshotCache }, typeUrl: TypeUrl): Map<string, string> {
  return new Map([...publisher.cache.snapshot(GW)!.resources.get(typeUrl)!].map(([name, r]) => [name, Buffer.from(r.bytes).toString('hex')]));
}

let host: TranslationWorkerHost | undefined;
afterEach(async () => {
  await host?.close();
  host = undefined;
});

describe('the quarantine on the translation worker', () => {
  it('builds, states and releases as the in-process publisher does with the same quarantine', async () => {
    const first = snapshot(1, 'a');
    const entry = entryFor(first);
    const mirror = createQuarantine();
    mirror.add([entry]);
    host = createTranslationWorkerHost({ script, translate: { controllerName: 'portico.dev/gateway-controller' }, quarantined: () => mirror.entries() });
    const workerPublisher = createWorkerPublisher({ bootId: 'boot', probe: (ir) => host!.probe(ir) });
    const quarantine = createQuarantine();
    quarantine.add([entry]);
    const inProcess = createXdsPublisher({ bootId: 'boot', quarantine });

    const answer = success(await host.translate(first, now));
    workerPublisher.publish(answer);
    const expected = translate(first.resources, { now });
    const [published] = inProcess.publishGateways(expected.gateways).results;
    for (const type of [TYPE_URLS.route, TYPE_URLS.cluster, TYPE_URLS.listener]) expect(served(workerPublisher, type)).toEqual(served(inProcess, type));
    expect(new Map(answer.statuses)).toEqual(withQuarantineStatuses(expected, quarantine.entries(), now, []).statuses);
    expect(answer.released).toEqual([]);
    // What the Envoy Services of --kubernetes need crosses with every answer; the routes never do.
    expect(answer.listenerPorts).toEqual([[GW, expected.gateways.get(GW)!.listeners.map((l) => ({ type: l.type, port: l.port }))]]);
    // The built IR of the served version is the one without the unit, as in process.
    const version = workerPublisher.cache.snapshot(GW)!.version;
    expect(await workerPublisher.irOfVersion(GW, version)).toEqual(inProcess.irOfVersion(GW, published!.version!));
    expect(routeUnits((await workerPublisher.irOfVersion(GW, version))!).has(UNIT)).toBe(false);

    // A probe with the unit back in: the worker's route table bytes are the in-process probe's.
    const full = expected.gateways.get(GW)!;
    const probeIr = probeTable(full, (await workerPublisher.irOfVersion(GW, version))!, new Set());
    const mine = await workerPublisher.probeSnapshot(GW, probeIr, `${version}~probe-1`);
    const theirs = inProcess.probeSnapshot(GW, probeIr, `${published!.version}~probe-1`)!;
    const hex = (s: ResourceSnapshot) => new Map([...s.resources.get(TYPE_URLS.route)!].map(([n, r]) => [n, Buffer.from(r.bytes).toString('hex')]));
    expect(hex(mine!)).toEqual(hex(theirs));
    expect(await workerPublisher.irOfVersion(GW, `${version}~probe-1`)).toBe(probeIr);

    // The route changes: its entry is released, and both serve it again.
    const fixed = snapshot(2, 'fixed', true);
    const again = success(await host.translate(fixed, now));
    expect(again.released.map((e) => e.unit)).toEqual([UNIT]);
    mirror.release(again.released);
    expect(mirror.entries()).toEqual([]);
    workerPublisher.publish(again);
    inProcess.publishGateways(translate(fixed.resources, { now }).gateways);
    expect(served(workerPublisher, TYPE_URLS.route)).toEqual(served(inProcess, TYPE_URLS.route));
    expect(quarantine.entries()).toEqual([]);
  });

  it('rebuilds a gateway when a unit is quarantined after it was built (the same snapshot again)', async () => {
    const first = snapshot(1, 'a');
    host = createTranslationWorkerHost({ script, translate: { controllerName: 'portico.dev/gateway-controller' } });
    const workerPublisher = createWorkerPublisher({ bootId: 'boot' });
    workerPublisher.publish(success(await host.translate(first, now)));
    const before = served(workerPublisher, TYPE_URLS.route);
    host.quarantine([entryFor(first)]);
    const answer = success(await host.translate(first, now, { force: true }));
    expect(answer.gateways.map((g) => g.outcome)).toEqual(['built']);
    workerPublisher.publish(answer);
    expect(served(workerPublisher, TYPE_URLS.route)).not.toEqual(before);
    const quarantine = createQuarantine();
    quarantine.add([entryFor(first)]);
    const inProcess = createXdsPublisher({ bootId: 'boot', quarantine });
    inProcess.publishGateways(translate(first.resources, { now }).gateways);
    expect(served(workerPublisher, TYPE_URLS.route)).toEqual(served(inProcess, TYPE_URLS.route));
  });
});
