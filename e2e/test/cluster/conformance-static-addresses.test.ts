/** GatewayStaticAddresses' addresses for the conformance run (e2e/conformance/static-addresses.ts) against the stub's decisions. */
import { DEFAULT_NETWORK } from '../../cluster/cluster-config.js';
import { cidrAddresses, loadBalancerDecision } from '../../cluster/load-balancer-stub.js';
import { conformanceStaticAddresses, staticAddressFlags } from '../../conformance/static-addresses.js';

test('the usable address is one the stub gives, the unusable one an address it refuses', () => {
  const addresses = conformanceStaticAddresses(DEFAULT_NETWORK.loadBalancerCidr);
  expect(addresses).toEqual({ usable: '10.97.0.254', unusable: '192.0.2.10' });
  const pool = cidrAddresses(DEFAULT_NETWORK.loadBalancerCidr);
  const others = new Map(pool.slice(0, 40).map((ip, i) => [ip, `gateway-conformance-infra/s${i}`]));
  expect(loadBalancerDecision({ type: 'LoadBalancer', requested: addresses.usable }, pool, others)).toEqual({ action: 'assign', ip: addresses.usable });
  expect(loadBalancerDecision({ type: 'LoadBalancer', requested: addresses.unusable }, pool, others)).toMatchObject({ action: 'refuse', ip: addresses.unusable });
  expect(staticAddressFlags(addresses)).toEqual(['-usable-address', '10.97.0.254', '-unusable-address', '192.0.2.10']);
});

test('a pool holding the first documentation address gets the next one as unusable', () => {
  expect(conformanceStaticAddresses('192.0.2.0/24')).toEqual({ usable: '192.0.2.254', unusable: '198.51.100.10' });
});
