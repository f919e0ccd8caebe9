import { ResourceLoadError } from './errors.js';
import type { Gateway, HTTPRoute } from '../model/gateway-api.js';
import type { Secret, Service } from '../model/core.js';
import { parseResources } from './parse-resources.js';

const GATEWAY = `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  name: eg
spec:
  gatewayClassName: portico
  listeners:
  - name: http
    port: 80
    protocol: HTTP
`;

const ROUTE = `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: web, namespace: apps}
spec:
  parentRefs: [{name: eg, namespace: default}]
  rules:
  - backendRefs: [{name: web, port: 8080}]
`;

/** The ResourceLoadError `text` throws (fails the test if it loads). */
function loadError(text: string, source = 'examples/a.yaml'): ResourceLoadError {
  try {
    parseResources(text, source);
  } catch (e) {
    expect(e).toBeInstanceOf(ResourceLoadError);
    return e as ResourceLoadError;
  }
  throw new Error('expected a ResourceLoadError');
}

describe('parseResources: documents', () => {
  it('reads every document of a multi-document stream, in order, skipping empty ones', () => {
    const { objects, warnings } = parseResources(`---\n${GATEWAY}---\n---\n# only a comment\n---\n${ROUTE}---\n`, 'a.yaml');
    expect(objects.map((o) => `${o.kind}/${o.metadata.namespace}/${o.metadata.name}`)).toEqual([
      'Gateway/default/eg',
      'HTTPRoute/apps/web',
    ]);
    expect(warnings).toEqual([]);
  });

  it('returns nothing for empty text', () => {
    expect(parseResources('', 'empty.yaml')).toEqual({ objects: [], warnings: [] });
  });

  it('reads JSON', () => {
    const json = JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'apps' } });
    expect(parseResources(json, 'ns.json').objects[0]?.metadata.name).toBe('apps');
  });

  it('expands a v1 List, naming the item in errors', () => {
    const list = `apiVersion: v1\nkind: List\nitems:\n- ${JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'a' } })}\n- ${JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { ports: [{ port: 'http' }] } })}\n`;
    expect(loadError(list).message).toBe(
      'examples/a.yaml: document 1 (Service default/s): items[1].spec.ports[0].port: must be integer (got string "http")',
    );
    const { objects } = parseResources(list.replace("'http'", '80').replace('"http"', '80'), 'l.yaml');
    expect(objects.map((o) => o.kind)).toEqual(['Namespace', 'Service']);
  });

  it('expands a typed list whose items omit apiVersion and kind', () => {
    const list = `apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRouteList\nitems:\n- metadata: {name: a}\n  spec: {}\n`;
    const { objects } = parseResources(list, 'l.yaml');
    expect(objects[0]).toMatchObject({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute' });
  });

  it('skips kinds Portico does not watch with a warning', () => {
    const text = `${GATEWAY}---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\n---\napiVersion: example.com/v1\nkind: Foo\n---\napiVersion: gateway.networking.k8s.io/v9\nkind: Gateway\nmetadata: {name: x}\n`;
    const { objects, warnings } = parseResources(text, 'examples/a.yaml');
    expect(objects).toHaveLength(1);
    expect(warnings).toEqual([
      { source: 'examples/a.yaml', document: 2, message: 'skipping unsupported kind Deployment (apps/v1)' },
      { source: 'examples/a.yaml', document: 3, message: 'skipping unsupported kind Foo (example.com/v1)' },
      { source: 'examples/a.yaml', document: 4, message: 'skipping unsupported kind Gateway (gateway.networking.k8s.io/v9)' },
    ]);
  });

  it('warns about an object defined twice; the later definition wins, in the earlier place', () => {
    const later = GATEWAY.replace('portico', 'other');
    const { objects, warnings } = parseResources(`${GATEWAY}---\n${ROUTE}---\n${later}`, 'a.yaml');
    expect(objects.map((o) => o.kind)).toEqual(['Gateway', 'HTTPRoute']);
    expect((objects[0] as Gateway).spec.gatewayClassName).toBe('other');
    expect(warnings).toEqual([
      { source: 'a.yaml', document: 3, message: 'Gateway default/eg is also defined in a.yaml document 1; the later definition wins' },
    ]);
  });
});

describe('parseResources: what the API server would do', () => {
  it('puts namespaced objects without a namespace in default, and drops it from cluster-scoped ones', () => {
    const gc = `apiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\nmetadata: {name: portico, namespace: x}\nspec: {controllerName: portico.dev/gateway-controller}\n`;
    const [gateway, route, gatewayClass] = parseResources(`${GATEWAY}---\n${ROUTE}---\n${gc}`, 'a.yaml').objects;
    expect(gateway?.metadata.namespace).toBe('default');
    expect(route?.metadata.namespace).toBe('apps');
    expect(gatewayClass?.metadata).toEqual({ name: 'portico' });
  });

  it('drops null fields, as kubectl-generated YAML has them', () => {
    const text = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  creationTimestamp: null\ndata:\n  a: "1"\n  b: null\n`;
    expect(parseResources(text, 'c.yaml').objects[0]).toEqual({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'c', namespace: 'default' },
      data: { a: '1' },
    });
  });

  it('reads YAML 1.1 scalars as kubectl does: `yes` is a boolean, so it is not a valid annotation', () => {
    const text = GATEWAY.replace('name: eg', 'name: eg\n  annotations: {enabled: yes}');
    expect(loadError(text).message).toBe(
      'examples/a.yaml: document 1 (Gateway default/eg): metadata.annotations.enabled: must be string (got boolean true)',
    );
    const dated = GATEWAY.replace('name: eg', 'name: eg\n  annotations: {since: 2024-01-01, at: 12:30}');
    expect((parseResources(dated, 'a.yaml').objects[0] as Gateway).metadata.annotations).toEqual({ since: '2024-01-01', at: '12:30' });
  });

  it('merges Secret stringData into base64 data', () => {
    const text = `apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ndata: {a: eA==}\nstringData: {b: hello}\n`;
    const secret = parseResources(text, 's.yaml').objects[0] as Secret;
    expect(secret.data).toEqual({ a: 'eA==', b: Buffer.from('hello').toString('base64') });
    expect(secret.stringData).toBeUndefined();
    expect(secret.type).toBe('Opaque');
  });

  it('defaults Service port protocol and targetPort', () => {
    const text = `apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec:\n  ports: [{port: 80}, {port: 81, targetPort: http}]\n`;
    const service = parseResources(text, 's.yaml').objects[0] as Service;
    expect(service.spec.ports).toEqual([
      { port: 80, protocol: 'TCP', targetPort: 80 },
      { port: 81, protocol: 'TCP', targetPort: 'http' },
    ]);
  });

  it('gives built-in kinds without spec (or with spec: null) the empty spec and its defaults, as the API server stores them', () => {
    const { objects } = parseResources(
      'apiVersion: v1\nkind: Service\nmetadata: {name: a}\n---\n' +
        'apiVersion: v1\nkind: Service\nmetadata: {name: b}\nspec: null\n---\n' +
        'apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: c}\n---\n' +
        'apiVersion: networking.k8s.io/v1\nkind: IngressClass\nmetadata: {name: d}\n',
      'a.yaml',
    );
    expect(objects.map((o) => [o.kind, (o as { spec?: unknown }).spec])).toEqual([
      ['Service', { type: 'ClusterIP' }],
      ['Service', { type: 'ClusterIP' }],
      ['Ingress', {}],
      ['IngressClass', {}],
    ]);
  });

  it('applies the CRD defaults on load', () => {
    const route = parseResources(ROUTE, 'r.yaml').objects[0] as HTTPRoute;
    expect(route.spec.rules?.[0]?.matches).toEqual([{ path: { type: 'PathPrefix', value: '/' } }]);
  });
});

describe('parseResources: errors', () => {
  it('names line and column of a YAML syntax error', () => {
    const e = loadError(`${GATEWAY}---\napiVersion: v1\nkind: Service\nmetadata:\n  name: [a\n  namespace: b\n`);
    expect(e.code).toBe('YAML_SYNTAX');
    expect(e.document).toBe(2);
    expect(e.message).toBe(
      'examples/a.yaml: document 2: line 16, column 3: Flow sequence in block collection must be sufficiently indented and end with a ]',
    );
    expect(loadError('a: &x 1\nb: *y\n').message).toBe(
      'examples/a.yaml: document 1: line 2, column 4: Unresolved alias (the anchor must be set before the alias): y',
    );
  });

  it('rejects duplicate keys, as kubectl does', () => {
    const e = loadError('apiVersion: v1\nkind: Namespace\nkind: Service\n');
    expect(e.message).toBe('examples/a.yaml: document 1: line 3, column 1: Map keys must be unique');
  });

  it('rejects a document that is not a mapping', () => {
    const e = loadError(`${GATEWAY}---\n- a\n- b\n`);
    expect(e.code).toBe('NOT_AN_OBJECT');
    expect(e.message).toBe('examples/a.yaml: document 2: line 12, column 1: expected a Kubernetes object (a mapping), got a sequence');
  });

  it.each([
    ['apiVersion', 'kind: Namespace\nmetadata: {name: a}\n', 'examples/a.yaml: document 1 (Namespace): apiVersion: is required'],
    ['kind', 'apiVersion: v1\nmetadata: {name: a}\n', 'examples/a.yaml: document 1: kind: is required'],
    ['metadata', 'apiVersion: v1\nkind: Namespace\n', 'examples/a.yaml: document 1 (Namespace): metadata.name: is required'],
    ['metadata.name', 'apiVersion: v1\nkind: Namespace\nmetadata: {labels: {}}\n', 'examples/a.yaml: document 1 (Namespace): metadata.name: is required'],
  ])('reports a missing %s with its path', (_field, text, message) => {
    const e = loadError(text);
    expect(e.code).toBe('MISSING_FIELD');
    expect(e.message).toBe(message);
  });

  it('reports a wrong type with the field path, the object and the position', () => {
    const e = loadError(`${ROUTE}---\n${GATEWAY.replace('port: 80', 'port: "80"')}`);
    expect(e.message).toBe('examples/a.yaml: document 2 (Gateway default/eg): spec.listeners[0].port: must be integer (got string "80")');
    expect(e).toMatchObject({ code: 'INVALID_FIELD', document: 2, path: 'spec.listeners[0].port', line: 17, column: 11 });
  });

  it('lists the allowed values of an enum', () => {
    const text = ROUTE.replace('- backendRefs', '- matches: [{path: {type: Prefix, value: /}}]\n    backendRefs');
    const e = loadError(text);
    expect(e.path).toBe('spec.rules[0].matches[0].path.type');
    expect(e.message).toBe(
      'examples/a.yaml: document 1 (HTTPRoute apps/web): spec.rules[0].matches[0].path.type: must be one of: Exact, PathPrefix, RegularExpression (got "Prefix")',
    );
  });

  it('reports a missing required field below the top level', () => {
    const e = loadError(GATEWAY.replace('  - name: http\n    port: 80', '  - port: 80'));
    expect(e).toMatchObject({ code: 'MISSING_FIELD', path: 'spec.listeners[0].name', detail: 'is required' });
  });

  it('checks metadata as the API server does', () => {
    expect(loadError(GATEWAY.replace('name: eg', 'name: My_Gateway')).detail).toMatch(/^must be a lowercase RFC 1123 subdomain/);
    const label = loadError(GATEWAY.replace('name: eg', 'name: eg\n  labels: {app: "a b"}'));
    expect(label.path).toBe('metadata.labels.app');
    const key = loadError(GATEWAY.replace('name: eg', 'name: eg\n  labels: {"a/b/c": x}'));
    expect(key.message).toMatch(/metadata\.labels\[a\/b\/c\]: key must be a qualified name/);
  });
});
