import type { BackendTLSPolicy, Gateway, Ingress, Secret, SecurityPolicy } from '@portico/resources';
import { collectTlsReferences, keySetName, withOnlyKeys } from './tls-references.js';

const gateway = (namespace: string, refs: Record<string, unknown>[]): Gateway =>
  ({
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'Gateway',
    metadata: { name: 'gw', namespace },
    spec: {
      gatewayClassName: 'portico',
      listeners: [
        { name: 'http', port: 80, protocol: 'HTTP' },
        { name: 'https', port: 443, protocol: 'HTTPS', tls: { mode: 'Terminate', certificateRefs: refs } },
      ],
    },
  }) as Gateway;

const ingress = (namespace: string, secretNames: (string | undefined)[]): Ingress => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'Ingress',
  metadata: { name: 'ing', namespace },
  spec: { tls: secretNames.map((secretName) => (secretName ? { hosts: ['a.example'], secretName } : { hosts: ['b.example'] })) },
});

const policy = (namespace: string, refs: { group: string; kind: string; name: string }[]): BackendTLSPolicy => ({
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'BackendTLSPolicy',
  metadata: { name: 'p', namespace },
  spec: { targetRefs: [{ group: '', kind: 'Service', name: 'svc' }], validation: { hostname: 'svc.example', caCertificateRefs: refs } },
});

const plain = (refs: Map<string, Set<string>>) => Object.fromEntries([...refs].map(([k, v]) => [k, [...v].sort()]));

describe('collectTlsReferences', () => {
  it('takes listener certificateRefs (core Secrets, defaulting to the Gateway namespace) for tls.crt and tls.key', () => {
    const refs = collectTlsReferences(
      [
        gateway('infra', [
          { name: 'site' },
          { group: '', kind: 'Secret', name: 'shared', namespace: 'certs' },
          { group: 'cert-manager.io', kind: 'Certificate', name: 'ignored' },
          { kind: 'ConfigMap', name: 'not-a-secret' },
        ]),
      ],
      [],
      [],
    );
    expect(plain(refs.secrets)).toEqual({ 'infra/site': ['tls.crt', 'tls.key'], 'certs/shared': ['tls.crt', 'tls.key'] });
    expect(refs.configMaps.size).toBe(0);
  });

  it('takes the Gateway spec.tls: frontend CA refs (ca.crt only) and the backend client certificate (tls.crt, tls.key)', () => {
    const gw = gateway('infra', []);
    gw.spec.tls = {
      frontend: {
        default: { validation: { caCertificateRefs: [{ group: '', kind: 'ConfigMap', name: 'client-ca' }, { group: '', kind: 'Service', name: 'not-a-ca' }] } },
        perPort: [{ port: 8443, tls: { validation: { caCertificateRefs: [{ group: '', kind: 'Secret', name: 'port-ca', namespace: 'certs' }] } } }],
      },
      backend: { clientCertificateRef: { group: '', kind: 'Secret', name: 'to-backends' } },
    };
    const refs = collectTlsReferences([gw], [], []);
    expect(plain(refs.configMaps)).toEqual({ 'infra/client-ca': ['ca.crt'] });
    expect(plain(refs.secrets)).toEqual({ 'certs/port-ca': ['ca.crt'], 'infra/to-backends': ['tls.crt', 'tls.key'] });
  });

  it('takes Ingress tls secretNames in the Ingress namespace', () => {
    const refs = collectTlsReferences([], [ingress('web', ['web-tls', undefined])], []);
    expect(plain(refs.secrets)).toEqual({ 'web/web-tls': ['tls.crt', 'tls.key'] });
  });

  it('takes an Ingress basic-auth Secret (auth-type basic) for ingress-nginx\'s key `auth`, never one of another namespace', () => {
    const annotated = (annotations: Record<string, string>): Ingress => ({ ...ingress('web', []), metadata: { name: 'ing', namespace: 'web', annotations } });
    const refs = collectTlsReferences([], [
      annotated({ 'nginx.ingress.kubernetes.io/auth-type': 'basic', 'nginx.ingress.kubernetes.io/auth-secret': 'users' }),
      annotated({ 'nginx.ingress.kubernetes.io/auth-secret': 'no-type' }),
      annotated({ 'nginx.ingress.kubernetes.io/auth-type': 'basic', 'nginx.ingress.kubernetes.io/auth-secret': 'kube-system/users' }),
    ], []);
    expect(plain(refs.secrets)).toEqual({ 'web/users': ['auth'] });
  });

  it('takes every key of an Ingress custom-headers ConfigMap of its namespace, never one of another namespace', () => {
    const annotated = (annotations: Record<string, string>): Ingress => ({ ...ingress('web', []), metadata: { name: 'ing', namespace: 'web', annotations } });
    const refs = collectTlsReferences([], [
      annotated({ 'nginx.ingress.kubernetes.io/custom-headers': 'web/security-headers' }),
      annotated({ 'portico.dev/custom-headers': 'bare' }),
      annotated({ 'nginx.ingress.kubernetes.io/custom-headers': 'kube-system/secrets' }),
    ], []);
    expect(plain(refs.configMaps)).toEqual({ 'web/bare': ['*'], 'web/security-headers': ['*'] });
  });

  it('takes BackendTLSPolicy CA refs (ConfigMap or Secret in the policy namespace) for ca.crt only, and merges keys', () => {
    const refs = collectTlsReferences(
      [gateway('apps', [{ name: 'both' }])],
      [],
      [
        policy('apps', [
          { group: '', kind: 'ConfigMap', name: 'ca-bundle' },
          { group: '', kind: 'Secret', name: 'ca-secret' },
          { group: '', kind: 'Secret', name: 'both' },
          { group: 'example.io', kind: 'Secret', name: 'other-group' },
        ]),
      ],
    );
    expect(plain(refs.configMaps)).toEqual({ 'apps/ca-bundle': ['ca.crt'] });
    expect(plain(refs.secrets)).toEqual({ 'apps/ca-secret': ['ca.crt'], 'apps/both': ['ca.crt', 'tls.crt', 'tls.key'] });
  });
});

describe('withOnlyKeys', () => {
  it('copies the object with only the given keys, leaving the original whole', () => {
    const secret: Secret = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 's', namespace: 'a', resourceVersion: '5' },
      type: 'kubernetes.io/tls',
      data: { 'tls.crt': 'Yw==', 'tls.key': 'aw==', 'ca.crt': 'YQ==' },
    };
    const copy = withOnlyKeys(secret, new Set(['ca.crt']));
    expect(copy).toEqual({ ...secret, data: { 'ca.crt': 'YQ==' } });
    expect(copy.metadata).toBe(secret.metadata);
    expect(Object.keys(secret.data ?? {})).toHaveLength(3);
    expect(withOnlyKeys({ ...secret, data: undefined }, new Set(['ca.crt'])).data).toEqual({});
  });

  it('names key sets independently of their order', () => {
    expect(keySetName(new Set(['tls.key', 'ca.crt', 'tls.crt']))).toBe(keySetName(new Set(['ca.crt', 'tls.crt', 'tls.key'])));
  });
});

describe('collectTlsReferences and SecurityPolicy', () => {
  const security = (spec: Partial<SecurityPolicy['spec']>): SecurityPolicy => ({
    apiVersion: 'gateway.portico.dev/v1alpha1',
    kind: 'SecurityPolicy',
    metadata: { name: 'sp', namespace: 'apps' },
    spec: { targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', name: 'web' }], ...spec },
  });

  it('serves the htpasswd of basicAuth, every key of the API key Secrets, and the JWKS of a Secret or ConfigMap, in the policy namespace', () => {
    const refs = collectTlsReferences([], [], [], [
      security({ basicAuth: { users: { name: 'users' } }, apiKeyAuth: { credentialRefs: [{ name: 'keys' }] } }),
      security({ jwt: { providers: [{ name: 'a', localJWKS: { valueRef: { kind: 'Secret', name: 'jwks' } } }, { name: 'b', localJWKS: { valueRef: { kind: 'ConfigMap', name: 'jwks-cm' } } }, { name: 'c', localJWKS: { inline: '{}' } }] } }),
    ]);
    expect(plain(refs.secrets)).toEqual({ 'apps/users': ['.htpasswd'], 'apps/keys': ['*'], 'apps/jwks': ['jwks.json'] });
    expect(plain(refs.configMaps)).toEqual({ 'apps/jwks-cm': ['jwks.json'] });
  });

  it('an API key Secret is served whole (every key is a client id)', () => {
    const secret: Secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'keys', namespace: 'apps' }, type: 'gateway.portico.dev/api-keys', data: { 'team-a': 'YQ==', 'team-b': 'Yg==' } };
    expect(withOnlyKeys(secret, new Set(['*'])).data).toEqual({ 'team-a': 'YQ==', 'team-b': 'Yg==' });
  });
});
