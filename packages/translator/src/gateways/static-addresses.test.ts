/**
 * Static addresses of a managed Gateway (the `gatewayAddresses` and `gatewayUnusableAddresses`
 * options): the statuses GatewayStaticAddresses expects. Goldens translate without options (file
 * mode: spec.addresses reported as they are, testdata/translator/gateway-address*.in.yaml), so the
 * managed cases live here.
 */
import { ResourceSet, type KubeObject } from '@portico/resources';
import type { TranslateOptions } from '../options.js';
import { canonicalAddress, staticAddressProblem } from './static-addresses.js';
import { translate } from '../translate.js';

const now = new Date('2026-01-01T00:00:00Z');
const GW = 'gateway.networking.k8s.io/v1';
const gatewayClass = { apiVersion: GW, kind: 'GatewayClass', metadata: { name: 'portico' }, spec: { controllerName: 'portico.dev/gateway-controller' } } as KubeObject;
const USABLE = '10.97.0.200';
const UNUSABLE = '192.0.2.10';
const REFUSED = { value: UNUSABLE, message: 'the load balancer did not assign it to the Envoy Service' };

function gateway(addresses: object[]): KubeObject {
  return {
    apiVersion: GW,
    kind: 'Gateway',
    metadata: { name: 'gateway-static-addresses', namespace: 'infra', generation: 3 },
    spec: { gatewayClassName: 'portico', addresses, listeners: [{ name: 'http', port: 8080, protocol: 'HTTP' }] },
  } as KubeObject;
}

interface GatewayStatusView {
  addresses?: { type: string; value: string }[];
  conditions: { type: string; status: string; reason: string; message: string; observedGeneration?: number }[];
}

function statusOf(addresses: object[], options: TranslateOptions): GatewayStatusView {
  const result = translate(ResourceSet.from([gatewayClass, gateway(addresses)] as never), { now, ...options });
  return result.statuses.get('Gateway/infra/gateway-static-addresses')!.status as unknown as GatewayStatusView;
}

const condition = (status: GatewayStatusView, type: string) => status.conditions.find((c) => c.type === type)!;
const managed = (assigned: { type: string; value: string }[], unusable = [REFUSED]): TranslateOptions => ({
  gatewayAddresses: () => assigned,
  gatewayUnusableAddresses: () => unusable,
});

describe('static addresses of a managed Gateway (GatewayStaticAddresses)', () => {
  it('an address of a type Portico does not support: Accepted=False UnsupportedAddress, nothing programmed', () => {
    const status = statusOf([{ type: 'test/fake-invalid-type', value: 'fake address teehee!' }, { type: 'IPAddress', value: UNUSABLE }, { type: 'IPAddress', value: USABLE }], managed([]));
    expect(condition(status, 'Accepted')).toMatchObject({ status: 'False', reason: 'UnsupportedAddress', observedGeneration: 3 });
    expect(condition(status, 'Programmed')).toMatchObject({ status: 'False', reason: 'Invalid' });
  });

  it('an address the infrastructure refused: Accepted=True, Programmed=False AddressNotUsable naming it', () => {
    const status = statusOf([{ type: 'IPAddress', value: UNUSABLE }, { type: 'IPAddress', value: USABLE }], managed([]));
    expect(condition(status, 'Accepted')).toMatchObject({ status: 'True', reason: 'Accepted' });
    expect(condition(status, 'Programmed')).toMatchObject({
      status: 'False',
      reason: 'AddressNotUsable',
      message: `address ${UNUSABLE} cannot be used: the load balancer did not assign it to the Envoy Service`,
    });
    expect(status.addresses).toBeUndefined();
  });

  it('AddressNotUsable wins over an address that did arrive, and over readiness', () => {
    const status = statusOf([{ type: 'IPAddress', value: UNUSABLE }, { type: 'IPAddress', value: USABLE }], {
      ...managed([{ type: 'IPAddress', value: USABLE }]),
      gatewayReadiness: () => ({ ready: 0, wanted: 1 }),
    });
    expect(condition(status, 'Programmed')).toMatchObject({ status: 'False', reason: 'AddressNotUsable' });
    expect(status.addresses).toEqual([{ type: 'IPAddress', value: USABLE }]);
  });

  it('only the usable address, assigned: Programmed=True and status.addresses is exactly it, with its type', () => {
    // The infrastructure still remembers the refused address the Gateway no longer asks for: it does not count.
    const status = statusOf([{ type: 'IPAddress', value: USABLE }], managed([{ type: 'IPAddress', value: USABLE }]));
    expect(condition(status, 'Accepted')).toMatchObject({ status: 'True', reason: 'Accepted' });
    expect(condition(status, 'Programmed')).toMatchObject({ status: 'True', reason: 'Programmed' });
    expect(status.addresses).toEqual([{ type: 'IPAddress', value: USABLE }]);
  });

  it('a requested address neither assigned nor refused yet: Programmed=False AddressNotAssigned naming it', () => {
    const status = statusOf([{ type: 'IPAddress', value: USABLE }], managed([], []));
    expect(condition(status, 'Programmed')).toMatchObject({
      status: 'False',
      reason: 'AddressNotAssigned',
      message: `waiting for the infrastructure to assign the requested address ${USABLE}`,
    });
    // The load balancer gave another address than the one asked for: still waiting for the one asked for.
    const other = statusOf([{ type: 'IPAddress', value: USABLE }], managed([{ type: 'IPAddress', value: '10.97.0.1' }], []));
    expect(condition(other, 'Programmed')).toMatchObject({ status: 'False', reason: 'AddressNotAssigned' });
    expect(other.addresses).toEqual([{ type: 'IPAddress', value: '10.97.0.1' }]);
  });

  it('a Hostname the load balancer reports is usable; an address without a value takes whatever is assigned', () => {
    const hostname = statusOf([{ type: 'Hostname', value: 'LB.example.com' }], managed([{ type: 'Hostname', value: 'lb.example.com' }], []));
    expect(condition(hostname, 'Programmed')).toMatchObject({ status: 'True', reason: 'Programmed' });
    const dynamic = statusOf([{ type: 'IPAddress' }], managed([{ type: 'IPAddress', value: '10.97.0.1' }], []));
    expect(condition(dynamic, 'Programmed')).toMatchObject({ status: 'True', reason: 'Programmed' });
  });

  it('the option is asked about the values the Gateway requests now', () => {
    const asked: [string, readonly string[]][] = [];
    statusOf([{ type: 'IPAddress', value: USABLE }, { type: 'IPAddress' }, { type: 'Hostname', value: 'gw.example.com' }], {
      gatewayAddresses: () => [],
      gatewayUnusableAddresses: (gateway, requested) => {
        asked.push([gateway, requested]);
        return [];
      },
    });
    expect(asked).toEqual([['infra/gateway-static-addresses', [USABLE, 'gw.example.com']]]);
  });

  it('without the option (unmanaged), spec.addresses are reported as they are', () => {
    const status = statusOf([{ type: 'IPAddress', value: USABLE }], {});
    expect(condition(status, 'Programmed')).toMatchObject({ status: 'True', reason: 'Programmed' });
    expect(status.addresses).toEqual([{ type: 'IPAddress', value: USABLE }]);
  });
});

describe('canonicalAddress and staticAddressProblem', () => {
  it('IPv6 spellings and Hostname case compare equal', () => {
    expect(canonicalAddress('2001:DB8:0:0::1')).toBe('2001:db8::1');
    expect(canonicalAddress('Gw.Example.com')).toBe('gw.example.com');
    expect(canonicalAddress('10.0.0.1')).toBe('10.0.0.1');
    expect(staticAddressProblem([{ type: 'IPAddress', value: '2001:db8::0:1' }], [{ type: 'IPAddress', value: '2001:db8::1' }], [])).toBeUndefined();
  });

  it('lists every refused address in one message', () => {
    const problem = staticAddressProblem(
      [{ value: '192.0.2.1' }, { value: '192.0.2.2' }],
      [],
      [{ value: '192.0.2.1', message: 'a' }, { value: '192.0.2.2', message: 'b' }],
    );
    expect(problem).toEqual({ reason: 'AddressNotUsable', message: 'address 192.0.2.1 cannot be used: a; address 192.0.2.2 cannot be used: b' });
  });
});
