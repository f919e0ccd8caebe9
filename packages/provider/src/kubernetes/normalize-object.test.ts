import { parseResources } from '@portico/resources';
import { CONFIG_MAP_KEYS, normalizeObject, SECRET_KEYS } from './normalize-object.js';
import { WATCH_TARGETS } from './watch-targets.js';

const target = (kind: string) => {
  const found = WATCH_TARGETS.find((t) => t.kind === kind);
  if (!found) throw new Error(kind);
  return found;
};

/** A Service as `GET /api/v1/services` lists it (items carry no apiVersion/kind). */
const listedService = () => ({
  metadata: {
    name: 'web',
    namespace: 'apps',
    uid: '7c1f',
    resourceVersion: '812',
    creationTimestamp: '2025-01-02T03:04:05Z',
    annotations: {
      'kubectl.kubernetes.io/last-applied-configuration': '{"apiVersion":"v1","kind":"Service"}',
      team: 'web',
    },
    managedFields: [{ manager: 'kubectl', operation: 'Apply', time: '2025-01-02T03:04:05Z' }],
  },
  spec: { type: 'ClusterIP', clusterIP: '10.0.0.7', ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 'http' }] },
  status: { loadBalancer: {} },
});

describe('normalizeObject', () => {
  it('names list items, drops managedFields and the last-applied annotation, keeps the rest as sent', () => {
    const raw = listedService();
    const object = normalizeObject(raw, target('Service'), 'v1');
    expect(object).toBe(raw);
    expect(object).toEqual({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web', namespace: 'apps', uid: '7c1f', resourceVersion: '812', creationTimestamp: '2025-01-02T03:04:05Z', annotations: { team: 'web' } },
      spec: { type: 'ClusterIP', clusterIP: '10.0.0.7', ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 'http' }] },
      status: { loadBalancer: {} },
    });
  });

  it('removes an annotations map left empty, and is idempotent', () => {
    const raw = listedService();
    delete (raw.metadata.annotations as Record<string, string>).team;
    const once = structuredClone(normalizeObject(raw, target('Service'), 'v1'));
    expect(once.metadata.annotations).toBeUndefined();
    expect(normalizeObject(raw, target('Service'), 'v1')).toEqual(once);
  });

  it('keeps the apiVersion a watch event or custom resource list already carries', () => {
    const route = { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: 'r', namespace: 'a', generation: 3 }, spec: {} };
    expect(normalizeObject(route, target('HTTPRoute'), 'gateway.networking.k8s.io/v1beta1')).toMatchObject({
      apiVersion: 'gateway.networking.k8s.io/v1',
      metadata: { generation: 3 },
    });
  });

  it('keeps only the certificate and CA keys of a Secret, and never its last-applied copy', () => {
    const secret = {
      metadata: { name: 'tls', namespace: 'a', annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"data":{"password":"c2VjcmV0"}}' } },
      type: 'kubernetes.io/tls',
      data: { 'tls.crt': 'Y2VydA==', 'tls.key': 'a2V5', 'ca.crt': 'Y2E=', password: 'c2VjcmV0', 'other.key': 'eA==' },
    };
    const object = normalizeObject(secret, target('Secret'), 'v1');
    expect(object).toEqual({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'tls', namespace: 'a' },
      type: 'kubernetes.io/tls',
      data: { 'tls.crt': 'Y2VydA==', 'tls.key': 'a2V5', 'ca.crt': 'Y2E=' },
    });
    expect(JSON.stringify(object)).not.toContain('c2VjcmV0');
    expect(SECRET_KEYS).toEqual(['tls.crt', 'tls.key', 'ca.crt', '.htpasswd', 'jwks.json', 'auth']);
  });

  it('keeps a SecurityPolicy htpasswd or JWKS key of any Secret, and every key of an API key Secret only', () => {
    const opaque = { metadata: { name: 'users', namespace: 'a' }, type: 'Opaque', data: { '.htpasswd': 'aHQ=', 'jwks.json': 'e30=', password: 'c2VjcmV0' } };
    expect(normalizeObject(opaque, target('Secret'), 'v1')).toMatchObject({ data: { '.htpasswd': 'aHQ=', 'jwks.json': 'e30=' } });
    expect(Object.keys((opaque as { data: object }).data)).toEqual(['.htpasswd', 'jwks.json']);
    // ingress-nginx's htpasswd key (an Ingress's auth-secret) is kept too.
    const nginx = { metadata: { name: 'basic', namespace: 'a' }, type: 'Opaque', data: { auth: 'YQ==', password: 'c2VjcmV0' } };
    expect(normalizeObject(nginx, target('Secret'), 'v1')).toMatchObject({ data: { auth: 'YQ==' } });
    expect(Object.keys((nginx as { data: object }).data)).toEqual(['auth']);
    const keys = { metadata: { name: 'keys', namespace: 'a' }, type: 'gateway.portico.dev/api-keys', data: { 'team-a': 'a2V5LWE=', 'team-b': 'a2V5LWI=' } };
    expect(normalizeObject(keys, target('Secret'), 'v1')).toMatchObject({ data: { 'team-a': 'a2V5LWE=', 'team-b': 'a2V5LWI=' } });
  });

  it('keeps only ca.crt of a ConfigMap, and drops binaryData', () => {
    const configMap = { metadata: { name: 'ca', namespace: 'a' }, data: { 'ca.crt': 'PEM', 'app.properties': 'x=1' }, binaryData: { blob: 'AAA=' } };
    expect(normalizeObject(configMap, target('ConfigMap'), 'v1')).toEqual({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'ca', namespace: 'a' },
      data: { 'ca.crt': 'PEM' },
    });
    expect(CONFIG_MAP_KEYS).toEqual(['ca.crt', 'jwks.json']);
  });

  it('gives the translator what the YAML loader gives it for the same object', () => {
    // What `kubectl get svc web -o yaml` prints, loaded from a file, and the same object off the API.
    const yaml = `apiVersion: v1
kind: Service
metadata: {name: web, namespace: apps, uid: 7c1f, resourceVersion: "812", creationTimestamp: "2025-01-02T03:04:05Z", annotations: {team: web}}
spec:
  type: ClusterIP
  clusterIP: 10.0.0.7
  ports: [{name: http, port: 80, protocol: TCP, targetPort: http}]
status: {loadBalancer: {}}
`;
    const [loaded] = parseResources(yaml, 'svc.yaml').objects;
    expect(normalizeObject(listedService(), target('Service'), 'v1')).toEqual(loaded);
  });
});
