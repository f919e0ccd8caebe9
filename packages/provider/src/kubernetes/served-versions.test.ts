import { KubeApiError, type KubeApiClient } from './kube-api-client.js';
import { createServedVersions } from './served-versions.js';
import { WATCH_TARGETS, type WatchTarget } from './watch-targets.js';

const target = (kind: string): WatchTarget => {
  const found = WATCH_TARGETS.find((t) => t.kind === kind);
  if (!found) throw new Error(kind);
  return found;
};

/** A discovery endpoint serving `served` (`group/version` → resource names); other group versions 404. */
function fakeDiscovery(served: Record<string, string[]>): KubeApiClient & { requests: string[] } {
  const requests: string[] = [];
  return {
    requests,
    async getJson<T>(path: string): Promise<T> {
      requests.push(path);
      const resources = served[path.replace(/^\/apis\//, '')];
      if (!resources) throw new KubeApiError(404, `GET ${path}: not found`);
      return { resources: resources.map((name) => ({ name })) } as T;
    },
    listAll: () => Promise.reject(new Error('not used')),
  };
}

describe('served versions', () => {
  it('picks the most preferred version served, so older Gateway API installs still work', async () => {
    const client = fakeDiscovery({
      'gateway.networking.k8s.io/v1': ['gateways', 'httproutes', 'httproutes/status'],
      'gateway.networking.k8s.io/v1beta1': ['referencegrants'],
      'gateway.networking.k8s.io/v1alpha3': ['backendtlspolicies', 'tlsroutes'],
      'gateway.networking.k8s.io/v1alpha2': ['tlsroutes', 'tcproutes'],
    });
    const versions = createServedVersions(client);
    expect(await versions.resolve(target('HTTPRoute'))).toBe('v1');
    expect(await versions.resolve(target('ReferenceGrant'))).toBe('v1beta1');
    expect(await versions.resolve(target('BackendTLSPolicy'))).toBe('v1alpha3');
    expect(await versions.resolve(target('TLSRoute'))).toBe('v1alpha3');
    expect(await versions.resolve(target('TCPRoute'))).toBe('v1alpha2');
    expect(await versions.resolve(target('UDPRoute'))).toBeUndefined();
    expect(await versions.resolve(target('GRPCRoute'))).toBeUndefined();
    // Answers are shared by every kind resolved within the TTL; a kind found below its preferred
    // version costs one more ask of the preferred one (ReferenceGrant, BackendTLSPolicy, TLSRoute, TCPRoute).
    expect(client.requests.length).toBeLessThanOrEqual(new Set(client.requests).size + 4);
  });

  it('asks nothing for core kinds, and looks again once an answer is old', async () => {
    let clock = 0;
    const client = fakeDiscovery({});
    const versions = createServedVersions(client, () => clock);
    expect(await versions.resolve(target('Service'))).toBe('v1');
    expect(await versions.resolve(target('EndpointSlice'))).toBe('v1');
    expect(client.requests).toEqual([]);
    expect(await versions.resolve(target('GRPCRoute'))).toBeUndefined();
    expect(await versions.resolve(target('GRPCRoute'))).toBeUndefined();
    expect(client.requests).toEqual(['/apis/gateway.networking.k8s.io/v1']);
    clock += 5_000;
    await versions.resolve(target('GRPCRoute'));
    expect(client.requests).toHaveLength(2);
  });

  it('asks the preferred versions again before settling on a less preferred one (a CRD installed since the cached answer)', async () => {
    let clock = 0;
    const served: Record<string, string[]> = { 'gateway.networking.k8s.io/v1': ['gateways'], 'gateway.networking.k8s.io/v1alpha2': ['tcproutes'] };
    const client = fakeDiscovery(served);
    const versions = createServedVersions(client, () => clock);
    expect(await versions.resolve(target('UDPRoute'))).toBeUndefined();
    clock += 1_100;
    expect(await versions.resolve(target('Gateway'))).toBe('v1');
    // The UDPRoute CRD is installed (served at v1 and v1alpha2) while the v1 answer is cached
    // (no udproutes) and the v1alpha2 one has expired, so it is asked again and lists udproutes.
    served['gateway.networking.k8s.io/v1'] = ['gateways', 'udproutes'];
    served['gateway.networking.k8s.io/v1alpha2'] = ['tcproutes', 'udproutes'];
    clock += 950;
    expect(await versions.resolve(target('UDPRoute'))).toBe('v1');
  });

  it('passes on failures other than 404 and does not remember them', async () => {
    let failing = true;
    const client: KubeApiClient = {
      async getJson<T>(): Promise<T> {
        if (failing) throw new KubeApiError(503, 'Service Unavailable');
        return { resources: [{ name: 'gateways' }] } as T;
      },
      listAll: () => Promise.reject(new Error('not used')),
    };
    const versions = createServedVersions(client);
    await expect(versions.resolve(target('Gateway'))).rejects.toMatchObject({ statusCode: 503 });
    failing = false;
    expect(await versions.resolve(target('Gateway'))).toBe('v1');
  });
});
