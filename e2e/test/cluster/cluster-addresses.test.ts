/** The LoadBalancer stub's address pool and decisions (e2e/cluster/load-balancer-stub.ts) and which names `down` may remove. */
import { isClusterOwnedName } from '../../cluster/cluster-config.js';
import { cidrAddresses, loadBalancerDecision } from '../../cluster/load-balancer-stub.js';

test('a CIDR yields its usable addresses, lowest first, without network and broadcast', () => {
  expect(cidrAddresses('10.97.0.0/30')).toEqual(['10.97.0.1', '10.97.0.2']);
  const pool = cidrAddresses('10.97.0.0/24');
  expect(pool).toHaveLength(254);
  expect([pool[0], pool.at(-1)]).toEqual(['10.97.0.1', '10.97.0.254']);
  // A base that is not the network address still yields that network's addresses.
  expect(cidrAddresses('10.97.1.77/29')).toEqual(['10.97.1.73', '10.97.1.74', '10.97.1.75', '10.97.1.76', '10.97.1.77', '10.97.1.78']);
});

test('down removes the bridge, ptc-* and the node agent’s ptcp* names, nothing else', () => {
  expect(['ptc0', 'ptc-test', 'ptc-test-h', 'ptcp1a2b3c'].every((name) => isClusterOwnedName(name, 'ptc0'))).toBe(true);
  expect(['ptcnabr0', 'ptcna-x', 'ptc1', 'eth0', 'docker0'].some((name) => isClusterOwnedName(name, 'ptc0'))).toBe(false);
});

describe('loadBalancerDecision', () => {
  const pool = cidrAddresses('10.97.0.0/29'); // 10.97.0.1 … 10.97.0.6
  const holders = new Map([['10.97.0.1', 'apps/first']]);

  it('a LoadBalancer without a request gets the lowest free address, and keeps the one it has', () => {
    expect(loadBalancerDecision({ type: 'LoadBalancer' }, pool, holders)).toEqual({ action: 'assign', ip: '10.97.0.2' });
    expect(loadBalancerDecision({ type: 'LoadBalancer', assigned: '10.97.0.5' }, pool, holders)).toEqual({ action: 'none' });
  });

  it('spec.loadBalancerIP in the pool and free: that address, also in place of the one it had', () => {
    expect(loadBalancerDecision({ type: 'LoadBalancer', requested: '10.97.0.6' }, pool, holders)).toEqual({ action: 'assign', ip: '10.97.0.6' });
    expect(loadBalancerDecision({ type: 'LoadBalancer', requested: '10.97.0.6', assigned: '10.97.0.2' }, pool, holders)).toEqual({ action: 'assign', ip: '10.97.0.6' });
    expect(loadBalancerDecision({ type: 'LoadBalancer', requested: '10.97.0.6', assigned: '10.97.0.6' }, pool, holders)).toEqual({ action: 'none' });
  });

  it('spec.loadBalancerIP outside the pool or held by another Service: refused, and an address it had is taken back (as MetalLB does)', () => {
    expect(loadBalancerDecision({ type: 'LoadBalancer', requested: '192.0.2.10' }, pool, holders)).toEqual({
      action: 'refuse',
      ip: '192.0.2.10',
      reason: '192.0.2.10 is not in the pool 10.97.0.1-10.97.0.6',
      clear: false,
    });
    expect(loadBalancerDecision({ type: 'LoadBalancer', requested: '10.97.0.1', assigned: '10.97.0.3' }, pool, holders)).toEqual({
      action: 'refuse',
      ip: '10.97.0.1',
      reason: '10.97.0.1 is held by Service apps/first',
      clear: true,
    });
  });

  it('a full pool refuses; a Service that is no longer a LoadBalancer gives its address back', () => {
    const full = new Map(pool.map((ip, i) => [ip, `apps/s${i}`]));
    expect(loadBalancerDecision({ type: 'LoadBalancer' }, pool, full)).toMatchObject({ action: 'refuse', reason: 'no free address in 10.97.0.1-10.97.0.6' });
    expect(loadBalancerDecision({ type: 'ClusterIP', assigned: '10.97.0.2' }, pool, holders)).toEqual({ action: 'clear' });
    expect(loadBalancerDecision({ type: 'ClusterIP', assigned: '203.0.113.1' }, pool, holders)).toEqual({ action: 'none' });
  });
});
