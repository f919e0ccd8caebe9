import { envoyResourceName, labelValue, objectLabels } from './infrastructure-names.js';
import { heapCeilingForMemoryLimit, quantityBytes } from './memory-quantity.js';
import { serviceAddresses } from './service-addresses.js';
import { servicePorts } from './envoy-service.js';
import { irWith } from './infrastructure-fixtures.test-util.js';

describe('envoyResourceName', () => {
  it('is readable and ends with a hash of namespace/name', () => {
    expect(envoyResourceName('apps', 'demo')).toBe('envoy-apps-demo-98ab5824');
  });

  it('keeps names apart that read the same', () => {
    expect(envoyResourceName('a-b', 'c')).not.toBe(envoyResourceName('a', 'b-c'));
    expect(envoyResourceName('a', 'b.c')).not.toBe(envoyResourceName('a', 'b-c'));
  });

  it('is a DNS-1035 label of at most 63 characters, even for a 253-character Gateway name', () => {
    const long = `${'x'.repeat(60)}.${'y'.repeat(192)}`;
    for (const name of [envoyResourceName('apps', long), envoyResourceName('apps', `${'z'.repeat(43)}-q`), envoyResourceName('apps', 'a.b')]) {
      expect(name).toMatch(/^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/);
    }
    expect(envoyResourceName('apps', long)).toHaveLength(63);
    expect(envoyResourceName('apps', long)).not.toBe(envoyResourceName('apps', `${'x'.repeat(60)}.${'y'.repeat(191)}`));
  });
});

describe('labels', () => {
  it('cut the Gateway name to a valid label value', () => {
    expect(labelValue(`${'a'.repeat(62)}.b`)).toBe('a'.repeat(62));
  });

  it('keep ours over spec.infrastructure.labels', () => {
    expect(objectLabels('envoy-x', { namespace: 'n', name: 'g' }, { 'app.kubernetes.io/managed-by': 'someone', extra: 'yes' })).toEqual({
      'app.kubernetes.io/component': 'proxy',
      'app.kubernetes.io/instance': 'envoy-x',
      'app.kubernetes.io/managed-by': 'portico',
      'app.kubernetes.io/name': 'envoy',
      extra: 'yes',
      'gateway.networking.k8s.io/gateway-name': 'g',
      'portico.dev/gateway-namespace': 'n',
    });
  });
});

describe('quantities', () => {
  it.each([
    ['512Mi', 512 * 2 ** 20],
    ['1Gi', 2 ** 30],
    ['1G', 1e9],
    ['1.5Gi', 1.5 * 2 ** 30],
    ['1e9', 1e9],
    ['129M', 129e6],
    ['1000', 1000],
    ['nonsense', undefined],
    ['12Qi', undefined],
  ])('%s → %s bytes', (quantity, bytes) => {
    expect(quantityBytes(quantity)).toBe(bytes);
  });

  it('size the heap ceiling at 80% of the memory limit', () => {
    expect(heapCeilingForMemoryLimit('1000M')).toBe(800e6);
    expect(heapCeilingForMemoryLimit(undefined)).toBeUndefined();
    expect(heapCeilingForMemoryLimit('0')).toBeUndefined();
  });
});

describe('servicePorts', () => {
  it('one per (port, protocol): TCP for HTTP, TLS and TCP; UDP for UDP; sorted', () => {
    expect(servicePorts(irWith(['UDP-5353', 'TCP-5353', 'HTTP-80']).listeners)).toEqual([
      { name: 'http-80', protocol: 'TCP', port: 80, targetPort: 80 },
      { name: 'tcp-5353', protocol: 'TCP', port: 5353, targetPort: 5353 },
      { name: 'udp-5353', protocol: 'UDP', port: 5353, targetPort: 5353 },
    ]);
  });
});

describe('serviceAddresses', () => {
  it('a load balancer: its IPs and hostnames; none while pending', () => {
    expect(serviceAddresses({ spec: { type: 'LoadBalancer', clusterIP: '10.0.0.1' }, status: { loadBalancer: { ingress: [{ ip: '203.0.113.7' }, { hostname: 'lb.example.com' }] } } })).toEqual([
      { type: 'IPAddress', value: '203.0.113.7' },
      { type: 'Hostname', value: 'lb.example.com' },
    ]);
    expect(serviceAddresses({ spec: { type: 'LoadBalancer', clusterIP: '10.0.0.1' }, status: { loadBalancer: {} } })).toEqual([]);
  });

  it('ClusterIP and NodePort: the cluster IPs, both families', () => {
    expect(serviceAddresses({ spec: { type: 'ClusterIP', clusterIP: '10.0.0.1', clusterIPs: ['10.0.0.1', 'fd00::1'] } })).toEqual([
      { type: 'IPAddress', value: '10.0.0.1' },
      { type: 'IPAddress', value: 'fd00::1' },
    ]);
    expect(serviceAddresses({ spec: { type: 'NodePort', clusterIP: '10.0.0.2' } })).toEqual([{ type: 'IPAddress', value: '10.0.0.2' }]);
    expect(serviceAddresses({ spec: { type: 'ClusterIP', clusterIP: 'None' } })).toEqual([]);
  });
});
