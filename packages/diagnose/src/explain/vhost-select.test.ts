/**
 * Virtual host selection as Envoy documents it (VirtualHost.domains): "Domain search order: exact
 * domain names, suffix domain wildcards (*.foo.com, *-bar.foo.com), prefix domain wildcards (foo.*,
 * foo-*), the special wildcard * matching any domain"; "the wildcard will not match the empty string";
 * longest wildcard first; Host compared without case, and without its port under ignore_port_in_host_matching.
 */
import { selectVirtualHost } from './vhost-select.js';

const table = (domainsByHost: Record<string, string[]>, ignorePort = true) => ({
  name: 't',
  ignorePortInHostMatching: ignorePort,
  virtualHosts: Object.entries(domainsByHost).map(([name, domains]) => ({ name, domains, routes: [] })),
});

const pick = (t: ReturnType<typeof table>, host: string) => selectVirtualHost(t, host)?.name;

describe('selectVirtualHost', () => {
  const t = table({ exact: ['www.foo.com'], suffix: ['*.foo.com'], longSuffix: ['*.bar.foo.com'], dash: ['*-bar.foo.com'], prefix: ['www.*'], longPrefix: ['www.foo.*'], any: ['*'] });

  test('an exact domain beats every wildcard', () => expect(pick(t, 'www.foo.com')).toBe('exact'));
  test('suffix wildcards: the longest wins, any number of labels', () => {
    expect(pick(t, 'a.bar.foo.com')).toBe('longSuffix');
    expect(pick(t, 'x.y.foo.com')).toBe('suffix');
    expect(pick(t, 'baz-bar.foo.com')).toBe('dash');
  });
  test('a wildcard never matches the empty string', () => {
    const wildcards = table({ dash: ['*-bar.foo.com'], prefix: ['foo.*'] });
    expect(pick(wildcards, 'baz-bar.foo.com')).toBe('dash');
    expect(pick(wildcards, '-bar.foo.com')).toBeUndefined();
    expect(pick(table({ dot: ['*.foo.com'] }), '.foo.com')).toBeUndefined();
    // The wildcard is any non-empty text, not a DNS label: "-bar" fits "*.foo.com".
    expect(pick(table({ dot: ['*.foo.com'] }), '-bar.foo.com')).toBe('dot');
    expect(pick(wildcards, 'foo.')).toBeUndefined();
  });
  test('suffix wildcards beat prefix wildcards, which beat *', () => {
    expect(pick(t, 'www.foo.org')).toBe('longPrefix');
    expect(pick(t, 'www.example.org')).toBe('prefix');
    expect(pick(t, 'example.org')).toBe('any');
  });
  test('the Host is compared without case and, with ignore_port_in_host_matching, without its port', () => {
    expect(pick(t, 'WWW.Foo.COM:8080')).toBe('exact');
    expect(pick(table({ a: ['a.com'] }, false), 'a.com:8080')).toBeUndefined();
    expect(pick(table({ a: ['a.com:8080'] }, false), 'a.com:8080')).toBe('a');
    expect(pick(table({ v6: ['[::1]'] }), '[::1]:80')).toBe('v6');
  });
  test('no domain fits and no *: no virtual host (Envoy answers 404)', () => expect(pick(table({ a: ['a.com'] }), 'b.com')).toBeUndefined());
  test('the matched domain is reported', () => expect(selectVirtualHost(t, 'q.foo.com')?.domain).toBe('*.foo.com'));
});
