import { parseResources, ResourceSet } from '@portico/resources';
import { DEFAULT_CONTROLLER_NAME, translate, type GatewayReadiness, type UnusableGatewayAddress } from '@portico/translator';
import type { GatewayStatusAddress } from '@portico/resources';
import { gatewayFactsOf, translatorOptionsFrom, type GatewayFactSource } from './gateway-facts.js';

const OBJECTS = parseResources(
  `apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: { name: portico }
spec: { controllerName: ${DEFAULT_CONTROLLER_NAME} }
---
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: { name: other }
spec: { controllerName: example.com/other }
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: { name: pending, namespace: default }
spec:
  gatewayClassName: portico
  addresses: [{ type: IPAddress, value: 10.0.0.9 }]
  listeners: [{ name: http, protocol: HTTP, port: 8080 }]
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: { name: ready, namespace: apps }
spec:
  gatewayClassName: portico
  listeners: [{ name: http, protocol: HTTP, port: 8080 }]
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: { name: theirs, namespace: default }
spec:
  gatewayClassName: other
  listeners: [{ name: http, protocol: HTTP, port: 8080 }]
---
apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata: { name: portico }
spec: { controller: portico.dev/ingress-controller }
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: { name: web, namespace: default }
spec:
  ingressClassName: portico
  defaultBackend: { service: { name: web, port: { number: 80 } } }
`,
  'facts.yaml',
).objects;

/** A cluster that knows addresses and replicas of some Gateways, and records what it was asked. */
function cluster(): GatewayFactSource & { asked: string[] } {
  const asked: string[] = [];
  const addresses: Record<string, GatewayStatusAddress[]> = { 'apps/ready': [{ type: 'IPAddress', value: '192.0.2.1' }], 'default/pending': [], 'ingressclass/portico': [{ type: 'Hostname', value: 'lb.example.com' }] };
  const readiness: Record<string, GatewayReadiness> = { 'apps/ready': { ready: 2, wanted: 2 }, 'default/pending': { ready: 0, wanted: 1 } };
  const unusable: Record<string, UnusableGatewayAddress[]> = { 'default/pending': [{ value: '10.0.0.9', message: 'outside the pool' }] };
  return {
    asked,
    gatewayAddresses: (gateway) => (asked.push(`addresses ${gateway}`), addresses[gateway]),
    gatewayUnusableAddresses: (gateway, requested) => (asked.push(`unusable ${gateway} ${requested.join(',')}`), unusable[gateway]),
    gatewayReadiness: (gateway) => (asked.push(`readiness ${gateway}`), readiness[gateway]),
  };
}

describe('gateway facts as data', () => {
  it('ask the cluster about our Gateways and IngressClasses only, with the values each Gateway requests', () => {
    const source = cluster();
    const facts = gatewayFactsOf(ResourceSet.from(OBJECTS), DEFAULT_CONTROLLER_NAME, source);
    expect(facts.map(([key]) => key)).toEqual(['apps/ready', 'default/pending', 'ingressclass/portico']);
    expect(source.asked).toContain('unusable default/pending 10.0.0.9');
    expect(source.asked.some((a) => a.includes('theirs'))).toBe(false);
  });

  it('give the translator the same statuses as the functions they were read from', () => {
    const resources = ResourceSet.from(OBJECTS);
    const now = new Date('2026-12-05T00:00:00Z');
    const withFunctions = translate(resources, { now, ...cluster() });
    const fromData = translate(resources, { now, ...translatorOptionsFrom(gatewayFactsOf(resources, DEFAULT_CONTROLLER_NAME, cluster())) });
    expect(fromData.statuses).toEqual(withFunctions.statuses);
    // The facts made a difference: the statuses are not the ones of an unmanaged translation.
    expect(translate(resources, { now }).statuses).not.toEqual(withFunctions.statuses);
    const pending = fromData.statuses.get('Gateway/default/pending') as unknown as { status: { conditions: { type: string; reason: string }[] } } | undefined;
    expect(pending?.status.conditions.find((c) => c.type === 'Programmed')?.reason).toBe('AddressNotUsable');
  });
});
