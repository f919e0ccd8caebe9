import { createHostCheck, hostOf } from './admin-host-check.js';

describe('admin Host header check (DNS rebinding)', () => {
  it('on loopback: the loopback names, with or without a port, in any case; nothing else', () => {
    const check = createHostCheck({ boundHost: '127.0.0.1', interfaceAddresses: () => ['10.1.2.3'] });
    for (const host of ['localhost', 'localhost:19000', 'LOCALHOST:8080', '127.0.0.1:19000', '[::1]:19000', '[::1]', 'localhost.']) expect([host, check(host)]).toEqual([host, true]);
    for (const host of ['attacker.example', 'attacker.example:19000', 'localhost.attacker.example', '10.1.2.3:19000', '127.0.0.2', '', 'a b', '[evil]:1', 'localhost:19000:1']) {
      expect([host, check(host)]).toEqual([host, false]);
    }
    // HTTP/1.0 requests carry no Host header; browsers always send one.
    expect(check(undefined)).toBe(true);
  });

  it('on a wildcard address: also this machine’s addresses (the pod IP the kubelet probes send)', () => {
    const check = createHostCheck({ boundHost: '0.0.0.0', interfaceAddresses: () => ['10.1.2.3', 'fe80::1'] });
    expect(check('10.1.2.3:19100')).toBe(true);
    expect(check('[fe80::1]:19100')).toBe(true);
    expect(check('10.1.2.4:19100')).toBe(false);
    expect(check('portico-metrics.portico-system.svc:19100')).toBe(false);
  });

  it('on a specific address: that address; and the names the operator allows, or any with *', () => {
    const bound = createHostCheck({ boundHost: '192.168.1.5', interfaceAddresses: () => ['10.9.9.9'] });
    expect(bound('192.168.1.5:19000')).toBe(true);
    expect(bound('10.9.9.9:19000')).toBe(false);
    const named = createHostCheck({ boundHost: '127.0.0.1', allowedHosts: ['Portico.Internal', '[2001:db8::1]'] });
    expect(named('portico.internal:19000')).toBe(true);
    expect(named('[2001:db8::1]:19000')).toBe(true);
    expect(named('other.internal')).toBe(false);
    expect(createHostCheck({ boundHost: '127.0.0.1', allowedHosts: ['*'] })('anything.example')).toBe(true);
  });

  it('reads the host part of a Host header', () => {
    expect(hostOf('Example.COM:80')).toBe('example.com');
    expect(hostOf('[::1]:19000')).toBe('::1');
    expect(hostOf('[not-an-ip]:1')).toBeUndefined();
    expect(hostOf('host:123456')).toBeUndefined();
  });
});
