/**
 * The data-plane document and the versions the page's refetches hang on: proxies per gateway with their
 * sync state and last NACK, the quarantine as graph node ids, convergence; the graph is rebuilt (and
 * diagnosed) once per version, and a version moves when a proxy ACKs or refuses, not when counters tick.
 */
import { ResourceSet } from '@portico/resources';
import { translate } from '@portico/translator';
import type { EncodedResources } from '@portico/xds';
import type { ClientInfo } from '@portico/xds-server';
import type { DebugData } from '../admin/debug-views.js';
import type { QuarantineEntry } from '../isolation/quarantine.js';
import type { TranslatedState } from '../reconcile/reconciler.js';
import { servedConfigDumps } from '../admin/served-config-dumps.js';
import { irOfResult } from '../reconcile/translated-state.js';
import { dataPlaneDocument } from './dataplane-document.js';
import { createUiModel } from './ui-model.js';
import { exampleObjects, untranslatedData } from './ui.test-util.js';

const ROUTES = 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration';
const LISTENERS = 'type.googleapis.com/envoy.config.listener.v3.Listener';

function client(streamId: string, gateway: string, types: ClientInfo['types']): ClientInfo {
  return { streamId, protocol: 'delta', peer: '127.0.0.1:50000', nodeId: `envoy-${streamId}`, gateway, connectedAt: '2026-12-05T10:00:00.000Z', types };
}

function liveData(clients: ClientInfo[], quarantined: QuarantineEntry[] = []): DebugData {
  return {
    ...untranslatedData(),
    servedGateways: () => ['default/demo'],
    servedConfigDumps: async () => servedConfigDumps(new Map<string, EncodedResources>([['default/demo', { listeners: [], routes: [], clusters: [], endpoints: [], secrets: [] }]])),
    servedVersion: (gateway) => (gateway === 'default/demo' ? 'v7' : undefined),
    clients: () => clients,
    quarantined: () => quarantined,
    convergence: (gateway) => (gateway === 'default/demo' ? { lastConvergenceSeconds: 0.25, lastConvergedVersion: 'v7' } : undefined),
    clientAckSeconds: (streamId) => (streamId === '1' ? 0.125 : undefined),
  };
}

describe('dataPlaneDocument', () => {
  it('lists each gateway\'s proxies, in sync or not, their last NACK, the quarantine and convergence', () => {
    const inSync = client('1', 'default/demo', { [ROUTES]: { ackedVersion: 'r7', sentVersion: 'r7', pushes: 3, nacks: 0 }, [LISTENERS]: { ackedVersion: 'l2', sentVersion: 'l2', pushes: 1, nacks: 0 } });
    const refusing = client('2', 'default/demo', {
      [ROUTES]: { ackedVersion: 'r6', sentVersion: 'r7', pushes: 3, nacks: 1, lastNack: { version: 'r7', message: 'Proto constraint validation failed', at: '2026-12-05T10:01:00.000Z' } },
    });
    const lost = client('3', 'default/ghost', {});
    const quarantined: QuarantineEntry[] = [
      { gateway: 'default/demo', unit: 'HTTPRoute/default/shop/rule/1', kind: 'HTTPRoute', namespace: 'default', name: 'shop', rule: 1, fingerprint: 'f', typeUrl: ROUTES, version: 'r7', refusedBy: 'envoy-2', error: 'Proto constraint validation failed', probes: 2, since: '2026-12-05T10:01:00.000Z' },
    ];
    const document = dataPlaneDocument(liveData([inSync, refusing, lost], quarantined), 'dp1');
    expect(document).toEqual({
      version: 'dp1',
      gateways: [
        {
          gateway: 'default/demo',
          servedVersion: 'v7',
          convergenceSeconds: 0.25,
          proxies: [
            { id: '1', node: 'envoy-1', ackedVersion: 'r7', inSync: true, lastAckSeconds: 0.125, connectedSince: '2026-12-05T10:00:00.000Z' },
            { id: '2', node: 'envoy-2', ackedVersion: 'r6', inSync: false, lastNack: { version: 'r7', typeUrl: ROUTES, message: 'Proto constraint validation failed' }, connectedSince: '2026-12-05T10:00:00.000Z' },
          ],
          quarantined: [{ id: 'HTTPRoute/default/shop', message: 'envoy-2: Proto constraint validation failed' }],
        },
        { gateway: 'default/ghost', proxies: [{ id: '3', node: 'envoy-3', inSync: false, connectedSince: '2026-12-05T10:00:00.000Z' }], quarantined: [] },
      ],
    });
  });
});

describe('createUiModel', () => {
  const objects = exampleObjects();
  const result = translate(ResourceSet.from(objects), { now: new Date('2027-01-01T00:00:00Z') });
  const state: TranslatedState = { generation: 1, objects, result, translatedAt: '2027-01-01T00:00:00.000Z', ir: irOfResult(result.gateways) };

  it('diagnoses and draws once per version; a proxy\'s ACK is a new version, a push counter is not', async () => {
    const types: ClientInfo['types'] = { [ROUTES]: { sentVersion: 'r7', pushes: 1, nacks: 0 } };
    const clients = [client('1', 'default/demo', types)];
    const model = createUiModel({ ...liveData(clients), state: () => state }, { now: () => new Date('2027-01-01T00:00:00Z') });
    const first = (await model.snapshot())!;
    expect(await model.snapshot()).toBe(first);
    expect(model.figures().builds).toBe(1);
    // Sent, not ACKed yet: diagnose says the proxy is behind.
    expect(first.graph.nodes.find((n) => n.id === 'Gateway/default/demo')!.badges.map((b) => b.code)).not.toContain('NoProxyConnected');

    types[ROUTES]!.pushes = 2;
    expect(model.graphVersion()).toBe(first.version);
    const dataPlane = model.dataPlaneVersion();
    types[ROUTES]!.ackedVersion = 'r7';
    expect(model.dataPlaneVersion()).not.toBe(dataPlane);
    expect(model.graphVersion()).not.toBe(first.version);
    expect((await model.snapshot())!.version).toBe(model.graphVersion());
    expect(model.figures().builds).toBe(2);
  });
});
