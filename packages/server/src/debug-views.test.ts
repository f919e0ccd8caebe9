import { parseResources, ResourceSet, type Resource } from '@portico/resources';
import { translate } from '@portico/translator';
import { clientsView, irView, statusView, xdsView, type DebugData } from './debug-views.js';
import type { PipelineHealthView } from './pipeline-health.js';
import { demoObjects, GATEWAY } from './fixtures.test-util.js';
import type { TranslatedState } from './reconciler.js';

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
  const state: TranslatedState | undefined = objects && {
    generation: 7,
    objects,
    result: translate(ResourceSet.from(objects)),
    translatedAt: '2025-01-01T00:00:00.000Z',
  };
  return {
    state: () => state,
    served: () => state?.result.gateways ?? new Map(),
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

describe('debug views', () => {
  it('answer 503 before the first translation, and 404 for a gateway that does not exist', () => {
    expect(irView(data(undefined))).toEqual({ status: 503, error: 'no snapshot translated yet' });
    expect(statusView(data(undefined))).toMatchObject({ status: 503 });
    expect(irView(data(demoObjects()), 'default/nope')).toEqual({ status: 404, error: "no gateway 'default/nope'" });
    expect(xdsView(data(demoObjects()), 'default/nope')).toMatchObject({ status: 404 });
  });

  it('give the IR and the served xDS per gateway, with the snapshot version', () => {
    const all = irView(data([...demoObjects(), ...INGRESS]));
    expect(all.status === 200 && Object.keys((all.document as { ir: object }).ir)).toEqual([GATEWAY, 'ingressclass/portico']);
    const xds = xdsView(data(demoObjects()), GATEWAY);
    expect(xds.status).toBe(200);
    expect((xds as { document: { versions: unknown } }).document.versions).toEqual({ [GATEWAY]: 'boot-3' });
  });

  it('select the objects of one gateway for status, keeping sources and diagnostics whole', () => {
    const objects = [...demoObjects(), ...demoObjects({ gatewayName: 'other' }).filter((o) => o.kind === 'Gateway'), ...INGRESS];
    const names = (gateway?: string) => {
      const view = statusView(data(objects), gateway);
      if (view.status !== 200) throw new Error(JSON.stringify(view));
      const document = view.document as { objects: Resource[]; sources: unknown[]; generation: number };
      expect(document.sources).toHaveLength(1);
      expect(document.generation).toBe(7);
      return document.objects.map((o) => `${o.kind}/${o.metadata.name}`);
    };
    expect(names()).toEqual(['GatewayClass/portico', 'Gateway/gw', 'GRPCRoute/echo', 'Gateway/other', 'IngressClass/portico', 'Ingress/blog']);
    expect(names(GATEWAY)).toEqual(['GatewayClass/portico', 'Gateway/gw', 'GRPCRoute/echo']);
    expect(names('default/other')).toEqual(['GatewayClass/portico', 'Gateway/other']);
    expect(names('ingressclass/portico')).toEqual(['IngressClass/portico', 'Ingress/blog']);
  });

  it('status tells what is broken in the pipeline, even when no snapshot ever translated', () => {
    const failed: PipelineHealthView = {
      translationFailure: { generation: 3, at: '2025-01-01T00:00:00.000Z', error: 'boom' },
      gatewayFailures: [],
      failingObjects: [],
    };
    expect(statusView(data(undefined, failed))).toMatchObject({ status: 200, document: { pipeline: failed } });
    const leftOut: PipelineHealthView = {
      gatewayFailures: [{ gateway: GATEWAY, outcome: 'error', problems: ['encode failed'], at: '2025-01-01T00:00:00.000Z' }],
      failingObjects: [{ kind: 'Ingress', namespace: 'default', name: 'empty', message: 'boom' }],
    };
    expect(statusView(data(demoObjects(), leftOut))).toMatchObject({ status: 200, document: { pipeline: leftOut } });
  });

  it('filter clients by the gateway they serve', () => {
    const view = clientsView(data(undefined), GATEWAY);
    expect(view.status === 200 && (view.document as { clients: { streamId: string }[] }).clients.map((c) => c.streamId)).toEqual(['1']);
  });
});
