/** The direct cluster writer writes exactly the bytes the JSON encoder writes for the cluster's JSON. */
import { encodeMessage, RESOURCE_TYPES } from '@portico/envoy';
import type { BackendIR, BackendPolicyIR } from '@portico/ir';
import { backendClusterJson } from '../clusters/backend-cluster.js';
import { referencedNames } from '../snapshot/consistency.js';
import { isDirectCluster, writeBackendCluster } from './cluster-wire.js';

const CLUSTER = RESOURCE_TYPES.cluster;

function backend(name: string, protocol: BackendIR['protocol'], overrides: Partial<BackendIR> = {}): BackendIR {
  return { name, service: { namespace: 'default', name: 'web', port: 80 }, protocol, endpoints: [{ address: '10.0.0.1', port: 8080 }], ...overrides };
}

/** The wire bytes and references against the JSON path's: encodeMessage of the JSON, the consistency walk of it. */
function expectSameAsJson(b: BackendIR): void {
  const json = backendClusterJson(b);
  const wire = writeBackendCluster(b);
  expect(Buffer.from(wire.bytes).toString('hex')).toBe(Buffer.from(encodeMessage(CLUSTER, json)).toString('hex'));
  expect(wire.references).toEqual(referencedNames({ listeners: [], routes: [], clusters: [{ name: b.name, resource: json }] }));
}

const POLICY = 'default/policy';
const POLICIES: BackendPolicyIR[] = [
  { policy: POLICY, connectTimeoutMs: 250 },
  { policy: POLICY, loadBalancer: { type: 'RoundRobin' } },
  { policy: POLICY, loadBalancer: { type: 'RingHash' } },
  { policy: POLICY, loadBalancer: { type: 'LeastRequest', slowStartWindowMs: 1500 } },
  { policy: POLICY, circuitBreaker: { maxConnections: 10, maxPendingRequests: 5, maxRequests: 7, maxRetries: 2 } },
  { policy: POLICY, http2: { initialStreamWindowSize: 131072, maxConcurrentStreams: 10 } },
  { policy: POLICY, timeouts: { connectionIdleMs: 30_000 } },
  { policy: POLICY, tcpKeepalive: { probes: 3, idleTimeSeconds: 60, intervalSeconds: 10 } },
  { policy: POLICY, healthCheck: { type: 'TCP', intervalMs: 3000, timeoutMs: 1000, unhealthyThreshold: 3, healthyThreshold: 1 } },
  { policy: POLICY, outlierDetection: { consecutive5xxErrors: 5, intervalMs: 1000, baseEjectionTimeMs: 5000, maxEjectionPercent: 50 } },
  { policy: POLICY },
];

const CLIENT_CERTIFICATE = { secret: 'default/client', certificateChain: 'C', privateKey: 'K', dnsNames: [], notAfter: '2030-01-01T00:00:00Z' };

describe('writeBackendCluster', () => {
  it('writes the clusters of Service backends without policies directly, HTTP, HTTP/2 and TCP', () => {
    for (const protocol of ['HTTP', 'HTTP2', 'TCP'] as const) {
      const b = backend(`default/web/80/${protocol.toLowerCase()}`, protocol);
      expect(isDirectCluster(b)).toBe(true);
      expectSameAsJson(b);
    }
  });

  it('writes any name: long (a two-byte length), non-ASCII, empty', () => {
    for (const name of [`default/${'x'.repeat(300)}/80/http`, 'default/wéb-ü/80/http', 'ns/😀/80/http2', '']) {
      expectSameAsJson(backend(name, 'HTTP'));
      expectSameAsJson(backend(name, 'HTTP2'));
      expectSameAsJson(backend(name, 'TCP'));
    }
  });

  it('encodes the JSON of every other shape: policies, retry budgets, upstream TLS, ExternalName', () => {
    const others: BackendIR[] = [
      ...POLICIES.flatMap((policy) => (['HTTP', 'HTTP2', 'TCP'] as const).map((p) => backend(`default/web/80/${p.toLowerCase()}`, p, { policy }))),
      backend('default/web/80/http', 'HTTP', { retryBudget: { policy: 'default/budget', budgetPercent: 20, minRetryConcurrency: 3 } }),
      backend('default/web/80/http', 'HTTP', { externalName: 'api.example.com', endpoints: [] }),
      backend('default/web/443/tls', 'TCP', { tls: { policy: 'default/tls', sni: 'web.example.com', subjectAltNames: [], useSystemCAs: true } }),
      backend('default/web/443/http2', 'HTTP2', {
        tls: { policy: 'default/tls', sni: 'web.example.com', caCertificates: 'PEM', subjectAltNames: [{ type: 'URI', value: 'spiffe://x' }], clientCertificate: CLIENT_CERTIFICATE },
      }),
    ];
    for (const b of others) {
      expect(isDirectCluster(b)).toBe(false);
      expectSameAsJson(b);
    }
  });

  it('collects what the consistency walk finds: the endpoint set of an EDS cluster, the client certificate of a TLS one', () => {
    expect([...writeBackendCluster(backend('default/web/80/http', 'HTTP')).references.endpoints]).toEqual(['default/web/80/http']);
    const tls = backend('default/web/443/http', 'HTTP', {
      tls: { policy: 'default/tls', sni: 'web', subjectAltNames: [], useSystemCAs: true, clientCertificate: CLIENT_CERTIFICATE },
    });
    expect([...writeBackendCluster(tls).references.secrets]).toEqual(['default/client']);
    expect(writeBackendCluster(backend('default/db/5432/tcp', 'TCP', { externalName: 'db.example.com', endpoints: [] })).references.endpoints.size).toBe(0);
  });
});
