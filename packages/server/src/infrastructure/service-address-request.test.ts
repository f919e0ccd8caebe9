/**
 * A Gateway's static addresses on its Envoy Service (service-address-request.ts), the addresses read
 * back from it (service-addresses.ts), and when a requested one becomes unusable (requested-address-wait.ts).
 */
import { jest } from '@jest/globals';
import { buildEnvoyManifests } from './envoy-manifests.js';
import { gateway, irWith } from './infrastructure-fixtures.test-util.js';
import { createRequestedAddressWait } from './requested-address-wait.js';
import { REQUESTED_ADDRESSES_ANNOTATION, requestedAddresses, serviceAddressRequest } from './service-address-request.js';
import { serviceAddresses, type ServiceAddressSource } from './service-addresses.js';

const XDS = 'portico.portico-system.svc:18000';
const ADDRESSES = [
  { type: 'IPAddress', value: '10.97.0.200' },
  { value: '2001:db8::7' },
  { type: 'Hostname', value: 'gw.example.com' },
  { type: 'IPAddress' }, // no value: "assign me one", which the load balancer does anyway
];

describe('serviceAddressRequest', () => {
  it('LoadBalancer: the first IPAddress is spec.loadBalancerIP; every value is in the annotation', () => {
    expect(serviceAddressRequest(ADDRESSES, 'LoadBalancer')).toEqual({
      annotations: { [REQUESTED_ADDRESSES_ANNOTATION]: '10.97.0.200,2001:db8::7,gw.example.com' },
      spec: { loadBalancerIP: '10.97.0.200' },
    });
  });

  it('ClusterIP and NodePort: every IPAddress is one of spec.externalIPs', () => {
    for (const type of ['ClusterIP', 'NodePort'] as const) {
      expect(serviceAddressRequest(ADDRESSES, type).spec).toEqual({ externalIPs: ['10.97.0.200', '2001:db8::7'] });
    }
  });

  it('a Hostname only: the annotation, nothing a Service could ask for; no value at all: nothing', () => {
    expect(serviceAddressRequest([{ type: 'Hostname', value: 'gw.example.com' }], 'LoadBalancer')).toEqual({ annotations: { [REQUESTED_ADDRESSES_ANNOTATION]: 'gw.example.com' }, spec: {} });
    expect(serviceAddressRequest([{ type: 'IPAddress' }], 'LoadBalancer')).toEqual({ annotations: {}, spec: {} });
    expect(serviceAddressRequest(undefined, 'LoadBalancer')).toEqual({ annotations: {}, spec: {} });
  });

  it('reads back what a Service asked for', () => {
    expect(requestedAddresses({ [REQUESTED_ADDRESSES_ANNOTATION]: '10.97.0.200,gw.example.com' })).toEqual(['10.97.0.200', 'gw.example.com']);
    expect(requestedAddresses({})).toEqual([]);
    expect(requestedAddresses(undefined)).toEqual([]);
  });
});

describe('the Envoy Service of a Gateway with spec.addresses', () => {
  it('carries the request, on the Service only; the other objects keep the shared metadata', () => {
    const manifests = buildEnvoyManifests(gateway({ addresses: [{ type: 'IPAddress', value: '192.0.2.10' }, { type: 'IPAddress', value: '10.97.0.200' }] }), irWith(['HTTP-8080']), { xdsAddress: XDS });
    expect(manifests.service!.spec).toMatchObject({ type: 'LoadBalancer', loadBalancerIP: '192.0.2.10' });
    expect(manifests.service!.spec!.externalIPs).toBeUndefined();
    expect(manifests.service!.metadata!.annotations).toEqual({ 'portico.dev/gateway': 'apps/demo', [REQUESTED_ADDRESSES_ANNOTATION]: '192.0.2.10,10.97.0.200' });
    expect(manifests.deployment.metadata!.annotations).toEqual({ 'portico.dev/gateway': 'apps/demo' });
  });

  it('without spec.addresses, the Service is as before (no loadBalancerIP, no annotation)', () => {
    const service = buildEnvoyManifests(gateway(), irWith(['HTTP-80']), { xdsAddress: XDS }).service!;
    expect(service.spec!.loadBalancerIP).toBeUndefined();
    expect(service.metadata!.annotations).toEqual({ 'portico.dev/gateway': 'apps/demo' });
  });
});

describe('serviceAddresses with static addresses', () => {
  it('ClusterIP and NodePort with external IPs: those, not the cluster IPs', () => {
    expect(serviceAddresses({ spec: { type: 'NodePort', clusterIP: '10.96.0.3', externalIPs: ['192.0.2.10'] } })).toEqual([{ type: 'IPAddress', value: '192.0.2.10' }]);
  });

  it('LoadBalancer: what the load balancer gave, whatever loadBalancerIP asked for', () => {
    expect(serviceAddresses({ spec: { type: 'LoadBalancer', loadBalancerIP: '192.0.2.10' }, status: { loadBalancer: {} } })).toEqual([]);
  });
});

describe('createRequestedAddressWait', () => {
  beforeEach(() => jest.useFakeTimers({ now: new Date('2026-01-01T00:00:00Z') }));
  afterEach(() => jest.useRealTimers());

  const service = (asked: string[], given: string[], loadBalancerIP = asked[0]): ServiceAddressSource => ({
    metadata: { annotations: { [REQUESTED_ADDRESSES_ANNOTATION]: asked.join(',') } },
    spec: { type: 'LoadBalancer', ...(loadBalancerIP ? { loadBalancerIP } : {}) },
    status: { loadBalancer: { ingress: given.map((ip) => ({ ip })) } },
  });

  it('an address missing for the whole wait is unusable, with a notice then; one given meanwhile never is', () => {
    const expired: string[] = [];
    const wait = createRequestedAddressWait({ timeoutMs: 20_000, onExpired: (g) => expired.push(g) });
    expect(wait.unusable('apps/demo', service(['192.0.2.10', '10.97.0.200'], []), 'apps/envoy')).toEqual([]);
    jest.advanceTimersByTime(19_999);
    expect(expired).toEqual([]);
    expect(wait.unusable('apps/demo', service(['192.0.2.10', '10.97.0.200'], []), 'apps/envoy')).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(expired).toEqual(['apps/demo', 'apps/demo']);
    expect(wait.unusable('apps/demo', service(['192.0.2.10', '10.97.0.200'], []), 'apps/envoy')).toEqual([
      {
        value: '192.0.2.10',
        message:
          'the load balancer has not assigned it to Service apps/envoy in 20 s: request an address that the load balancer can give (in one of its pools, not held by another Service); its events on the Service say why it did not',
      },
      {
        value: '10.97.0.200',
        message: 'Service apps/envoy asks its load balancer for one address (spec.loadBalancerIP 192.0.2.10), and in 20 s the load balancer has not given this one as well: request it in a Gateway of its own',
      },
    ]);
    // The Gateway now asks for the usable one only: a new request (loadBalancerIP 10.97.0.200) waits anew…
    expect(wait.unusable('apps/demo', service(['10.97.0.200'], []), 'apps/envoy')).toEqual([]);
    jest.advanceTimersByTime(10_000);
    expect(wait.unusable('apps/demo', service(['10.97.0.200'], []), 'apps/envoy')).toEqual([]);
    // …and the load balancer gives it: nothing is unusable.
    expect(wait.unusable('apps/demo', service(['10.97.0.200'], ['10.97.0.200']), 'apps/envoy')).toEqual([]);
    expect(jest.getTimerCount()).toBe(0);
    wait.stop();
  });

  it('the timer ends the wait, even when it fires before the wall clock says the wait is over', () => {
    const expired: string[] = [];
    const wait = createRequestedAddressWait({ timeoutMs: 2_000, onExpired: (g) => expired.push(g) });
    const asking = service(['192.0.2.10'], []);
    wait.unusable('apps/demo', asking, 'apps/envoy');
    // Node's timers run on a monotonic clock: Date.now() may lag the timer by a millisecond or more.
    jest.setSystemTime(Date.now() - 5);
    jest.advanceTimersByTime(2_000);
    expect(expired).toEqual(['apps/demo']);
    expect(wait.unusable('apps/demo', asking, 'apps/envoy').map((u) => u.value)).toEqual(['192.0.2.10']);
    wait.stop();
  });

  it('an address that went away and comes back waits again from the start; retain and stop clear the timers', () => {
    const expired: string[] = [];
    const wait = createRequestedAddressWait({ timeoutMs: 1_000, onExpired: (g) => expired.push(g) });
    wait.unusable('apps/a', service(['192.0.2.1'], []), 'apps/envoy-a');
    jest.advanceTimersByTime(600);
    wait.unusable('apps/a', service(['192.0.2.1'], ['192.0.2.1']), 'apps/envoy-a');
    wait.unusable('apps/a', service(['192.0.2.1'], []), 'apps/envoy-a');
    jest.advanceTimersByTime(600);
    expect(wait.unusable('apps/a', service(['192.0.2.1'], []), 'apps/envoy-a')).toEqual([]);
    wait.unusable('apps/b', service(['192.0.2.2'], []), 'apps/envoy-b');
    wait.retain(new Set(['apps/b']));
    wait.stop();
    jest.advanceTimersByTime(5_000);
    expect(expired).toEqual([]);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('external IPs the API server kept are usable; the message of a Service that lacks them names admission', () => {
    const wait = createRequestedAddressWait({ timeoutMs: 0, onExpired: () => {} });
    const annotated = { [REQUESTED_ADDRESSES_ANNOTATION]: '192.0.2.10' };
    expect(wait.unusable('apps/a', { metadata: { annotations: annotated }, spec: { type: 'ClusterIP', externalIPs: ['192.0.2.10'] } }, 'apps/envoy')).toEqual([]);
    const [refused] = wait.unusable('apps/a', { metadata: { annotations: annotated }, spec: { type: 'ClusterIP', clusterIP: '10.96.0.1' } }, 'apps/envoy');
    expect(refused!.message).toContain('DenyServiceExternalIPs');
    expect(wait.unusable('apps/a', undefined, 'apps/envoy')).toEqual([]);
    wait.stop();
  });
});
