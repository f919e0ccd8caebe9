import { parseResources, ResourceSet, type Resource } from '@portico/resources';
import { translate } from '@portico/translator';
import { debugViews, type DebugData, type ViewResult } from './debug-views.js';
import { REDACTED_KEYS_ANNOTATION, resourcesView } from './resources-view.js';
import { irOfResult } from '../reconcile/translated-state.js';

const KEY = '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\n';
const CERT = '-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUY2VydA==\n-----END CERTIFICATE-----\n';

const OBJECTS = parseResources(
  `apiVersion: v1
kind: Secret
metadata:
  name: tls
  namespace: default
  annotations:
    kubectl.kubernetes.io/last-applied-configuration: '{"data":{"tls.key":"${Buffer.from(KEY).toString('base64')}"}}'
type: kubernetes.io/tls
data:
  tls.crt: ${Buffer.from(CERT).toString('base64')}
  tls.key: ${Buffer.from(KEY).toString('base64')}
---
apiVersion: v1
kind: Namespace
metadata: { name: apps, labels: { team: shop } }
`,
  'objects.yaml',
).objects;

function data(objects: Resource[] | undefined): DebugData {
  const result = objects && translate(ResourceSet.from(objects));
  const state = result && { generation: 4, objects: objects!, result, translatedAt: '2025-01-01T00:00:00.000Z', ir: irOfResult(result.gateways) };
  return {
    state: () => state,
    servedGateways: () => [],
    servedConfigDumps: async () => new Map(),
    servedVersion: () => undefined,
    sources: () => [],
    clients: () => [],
    controllerName: 'portico.dev/gateway-controller',
    health: () => ({ gatewayFailures: [], failingObjects: [] }),
  };
}

function text(view: ViewResult, format: 'json' | 'yaml' = 'json'): string {
  if (view.status !== 200) throw new Error(JSON.stringify(view));
  return [...view.chunks(format)].join('');
}

describe('/debug/resources', () => {
  it('lists every object, with the controller name and generation', () => {
    const document = JSON.parse(text(resourcesView(data(OBJECTS))));
    expect(document.controllerName).toBe('portico.dev/gateway-controller');
    expect(document.generation).toBe(4);
    expect(document.objects.map((o: Resource) => `${o.kind}/${o.metadata.name}`)).toEqual(['Secret/tls', 'Namespace/apps']);
    expect(document.objects[1].metadata.labels).toEqual({ team: 'shop' });
  });

  it('never prints Secret data, not even the copy kubectl keeps in an annotation', () => {
    for (const format of ['json', 'yaml'] as const) {
      const printed = text(resourcesView(data(OBJECTS)), format);
      for (const secret of [KEY, CERT]) {
        expect(printed).not.toContain(Buffer.from(secret).toString('base64'));
        expect(printed).not.toContain('BEGIN');
      }
    }
    const [secret] = JSON.parse(text(resourcesView(data(OBJECTS)))).objects;
    expect(secret).toEqual({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'tls', namespace: 'default', annotations: { [REDACTED_KEYS_ANNOTATION]: 'tls.crt,tls.key' } },
      type: 'kubernetes.io/tls',
    });
  });

  it('is served beside the other debug views, and waits for the first translation', () => {
    expect(Object.keys(debugViews(data(OBJECTS)))).toContain('/debug/resources');
    expect(resourcesView(data(undefined))).toEqual({ status: 503, error: 'no snapshot translated yet' });
  });
});
