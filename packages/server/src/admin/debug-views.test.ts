import { parseResources, ResourceSet, type Resource } from '@portico/resources';
import { translate } from '@portico/translator';
import { buildXds, encodeResources } from '@portico/xds';
import { clientsView, debugViews, irView, logsView, statusView, xdsView, type DebugData, type ViewResult } from './debug-views.js';
import { RecentLogs } from '../recent-logs.js';
import type { PipelineHealthView } from '../reconcile/pipeline-health.js';
import { demoObjects, GATEWAY } from '../fixtures.test-util.js';
import type { TranslatedState } from '../reconcile/reconciler.js';
import { irOfResult } from '../reconcile/translated-state.js';
import { servedConfigDumps } from './served-config-dumps.js';

const INGRESS = parseResources(
  `apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata: { name: portico }
spec: { controller: portico.dev/ingress-controller }
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: { name: blog, namespace: default }
spec:
  ingressClassName: portico
  defaultBackend: { service: { name: echo, port: { number: 9000 } } }
`,
  'ingress.yaml',
).objects;

function data(objects: Resource[] | undefined, health: PipelineHealthView = { gatewayFailures: [], failingObjects: [] }): DebugData {
  const result = objects && translate(ResourceSet.from(objects));
  const state: TranslatedState | undefined = result && {
    generation: 7,
    objects: objects!,
    result,
    translatedAt: '2025-01-01T00:00:00.000Z',
    ir: irOfResult(result.gateways),
  };
  const served = new Map([...(result?.gateways ?? [])].map(([key, ir]) => [key, encodeResources(buildXds(ir, { proxyless: true }))]));
  return {
    state: () => state,
    servedGateways: () => [...served.keys()].sort(),
    servedConfigDumps: async (gateways) => servedConfigDumps(served, gateways),
    servedVersion: (gateway) => (gateway === GATEWAY ? 'boot-3' : undefined),
    sources: () => [{ source: 'demo.yaml', state: 'error', objects: 6, warnings: [], error: 'demo.yaml: document 3 (GRPCRoute default/echo): spec: bad' }],
    clients: () => [
      { streamId: '1', protocol: 'sotw', peer: 'p', gateway: GATEWAY, connectedAt: 'now', types: {} },
      { streamId: '2', protocol: 'delta', peer: 'p', gateway: 'default/other', connectedAt: 'now', types: {} },
    ],
    controllerName: 'portico.dev/gateway-controller',
    health: () => health,
  };
}

/** The view's JSON text, parsed. */
function documentOf(view: ViewResult): any {
  if (view.status !== 200) throw new Error(JSON.stringify(view));
  return JSON.parse([...view.chunks('json')].join(''));
}

describe('debug views', () => {
  it('answer 503 before the first translation, and 404 for a gateway that does not exist', async () => {
    expect(await irView(data(undefined))).toEqual({ status: 503, error: 'no snapshot translated yet' });
    expect(statusView(data(undefined))).toMatchObject({ status: 503 });
    expect(await irView(data(demoObjects()), 'default/nope')).toEqual({ status: 404, error: "no gateway 'default/nope'" });
    expect(await xdsView(data(demoObjects()), 'default/nope')).toMatchObject({ status: 404 });
  });

  it('give the IR and the served xDS per gateway, with the snapshot version', async () => {
    const all = await irView(data([...demoObjects(), ...INGRESS]));
    expect(Object.keys(documentOf(all).ir)).toEqual([GATEWAY, 'ingressclass/portico']);
    const xds = documentOf(await xdsView(data(demoObjects()), GATEWAY));
    expect(xds.versions).toEqual({ [GATEWAY]: 'boot-3' });
    expect(Object.keys(xds.xds[GATEWAY])).toEqual(['listeners', 'routes', 'clusters', 'endpoints', 'secrets']);
    // Envoy's view: the proxyless API listener (`host:port`) is not in it.
    expect(xds.xds[GATEWAY].listeners.dynamicListeners.map((l: { name: string }) => l.name)).toEqual(['default/gw/http-8080']);
  });

  it('select the objects of one gateway for status, keeping sources and diagnostics whole', () => {
    const objects = [...demoObjects(), ...demoObjects({ gatewayName: 'other' }).filter((o) => o.kind === 'Gateway'), ...INGRESS];
    const names = (gateway?: string) => {
      const document = documentOf(statusView(data(objects), gateway)) as { objects: Resource[]; sources: unknown[]; generation: number };
      expect(document.sources).toHaveLength(1);
      expect(document.generation).toBe(7);
      return document.objects.map((o) => `${o.kind}/${o.metadata.name}`);
    };
    expect(names()).toEqual(['GatewayClass/portico', 'Gateway/gw', 'GRPCRoute/echo', 'Gateway/other', 'IngressClass/portico', 'Ingress/blog']);
    expect(names(GATEWAY)).toEqual(['GatewayClass/portico', 'Gateway/gw', 'GRPCRoute/echo']);
    expect(names('default/other')).toEqual(['GatewayClass/portico', 'Gateway/other']);
    expect(names('ingressclass/portico')).toEqual(['IngressClass/portico', 'Ingress/blog']);
  });

  it('select for status a ListenerSet of the gateway and the routes attached through it (GEP-1713)', () => {
    const listenerSet = parseResources(
      `apiVersion: gateway.networking.k8s.io/v1
kind: ListenerSet
metadata: { name: extra, namespace: team }
spec:
  parentRef: { name: gw, namespace: default }
  listeners:
  - { name: http, protocol: HTTP, port: 9090 }
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: through-set, namespace: team }
spec:
  parentRefs: [{ kind: ListenerSet, name: extra }]
  rules: [{ backendRefs: [{ name: echo, port: 9000 }] }]
`,
      'listenerset.yaml',
    ).objects;
    const objects = [...demoObjects(), ...demoObjects({ gatewayName: 'other' }).filter((o) => o.kind === 'Gateway'), ...listenerSet];
    const names = (gateway: string) => (documentOf(statusView(data(objects), gateway)) as { objects: Resource[] }).objects.map((o) => `${o.kind}/${o.metadata.name}`);
    // The Gateway allows no ListenerSet, so the route is not accepted; its status still names the set.
    expect(names(GATEWAY)).toEqual(['GatewayClass/portico', 'Gateway/gw', 'GRPCRoute/echo', 'ListenerSet/extra', 'HTTPRoute/through-set']);
    expect(names('default/other')).toEqual(['GatewayClass/portico', 'Gateway/other']);
  });

  it('status tells what is broken in the pipeline, even when no snapshot ever translated', () => {
    const failed: PipelineHealthView = {
      translationFailure: { generation: 3, at: '2025-01-01T00:00:00.000Z', error: 'boom' },
      gatewayFailures: [],
      failingObjects: [],
    };
    expect(documentOf(statusView(data(undefined, failed)))).toMatchObject({ pipeline: failed });
    const leftOut: PipelineHealthView = {
      gatewayFailures: [{ gateway: GATEWAY, outcome: 'error', problems: ['encode failed'], at: '2025-01-01T00:00:00.000Z' }],
      failingObjects: [{ kind: 'Ingress', namespace: 'default', name: 'empty', message: 'boom' }],
    };
    expect(documentOf(statusView(data(demoObjects(), leftOut)))).toMatchObject({ pipeline: leftOut });
  });

  it('filter clients by the gateway they serve', () => {
    const view = clientsView(data(undefined), GATEWAY);
    expect((documentOf(view) as { clients: { streamId: string }[] }).clients.map((c) => c.streamId)).toEqual(['1']);
  });

  it('give each served gateway its version and convergence, and each client the time it took to ACK', () => {
    const convergence = { lastConvergenceSeconds: 0.42, lastConvergedVersion: 'boot-3', lastConvergedAt: '2025-01-01T00:00:01.000Z' };
    const view = clientsView(
      { ...data(demoObjects()), convergence: (gateway) => (gateway === GATEWAY ? convergence : undefined), clientAckSeconds: (streamId) => (streamId === '1' ? 0.4 : undefined) },
      undefined,
    );
    const document = documentOf(view) as { clients: Record<string, unknown>[]; gateways: Record<string, unknown> };
    expect(document.gateways).toEqual({ [GATEWAY]: { servedVersion: 'boot-3', ...convergence } });
    expect(document.clients.map((c) => c.lastAckSeconds)).toEqual([0.4, undefined]);
    // The old shape stays: the clients and the quarantine where they were.
    expect(Object.keys(document)).toEqual(['clients', 'quarantined', 'gateways']);
  });

  it('logs: the latest entries the server kept, never cached; 404 from a server that keeps none', async () => {
    expect(logsView(data(undefined))).toEqual({ status: 404, error: 'this server keeps no log entries' });
    const recent = new RecentLogs({ maxEntries: 2 });
    for (const message of ['one', 'two', 'three']) recent.add(JSON.stringify({ level: 'info', message }));
    const views = debugViews({ ...data(undefined), recentLogs: () => recent.view() });
    expect(documentOf(await views['/debug/logs']!.render(undefined))).toEqual({ entries: [{ level: 'info', message: 'two' }, { level: 'info', message: 'three' }], dropped: 1, maxEntries: 2, maxBytes: 524288 });
    expect(views['/debug/logs']!.version(undefined)).toBeUndefined();
  });

  it('have versions that change with the translation, the served snapshot and the sources; the clients none', () => {
    const first = data(demoObjects());
    const views = debugViews(first);
    expect(views['/debug/ir']!.version(undefined)).toBe(views['/debug/ir']!.version(GATEWAY));
    const second = debugViews(data(demoObjects()));
    expect(second['/debug/ir']!.version(undefined)).not.toBe(views['/debug/ir']!.version(undefined));
    expect(views['/debug/xds']!.version(GATEWAY)).toBe(`${GATEWAY}@boot-3`);
    const moved = debugViews({ ...first, servedVersion: () => 'boot-4' });
    expect(moved['/debug/xds']!.version(GATEWAY)).toBe(`${GATEWAY}@boot-4`);
    const healthy = debugViews({ ...first, sources: () => [] });
    expect(healthy['/debug/status']!.version(undefined)).not.toBe(views['/debug/status']!.version(undefined));
    expect(views['/debug/clients']!.version(undefined)).toBeUndefined();
  });
});
