/** The LoadBalancer stub's address pool (e2e/cluster/load-balancer-stub.ts) and which names `down` may remove. */
import { isClusterOwnedName } from '../cluster/cluster-config.js';
import { cidrAddresses } from '../cluster/load-balancer-stub.js';

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
