import { isCelError, type CelInput } from '@bufbuild/cel';
import { compileCelExpression } from './compile-rule.js';
import { isKubernetesCIDR, isKubernetesIP } from './kubernetes-cel-library.js';
import { isDNS1035Label, isDNS1123Label, isDNS1123Subdomain } from './kubernetes-formats.js';

const run = (expression: string, self: CelInput = null) => compileCelExpression(expression).evaluate({ self });

describe('isIP (k8s.io/apiserver cel/library ip.go)', () => {
  it.each(['127.0.0.1', '10.0.0.255', '::1', '2001:db8::1', 'fe80::1'])('accepts %s', (ip) => expect(isKubernetesIP(ip)).toBe(true));
  it.each([
    '127.0.0.256',
    ':::1',
    '01.2.3.4', // leading zero
    'fe80::1%eth0', // zone
    '::ffff:1.2.3.4', // IPv4-mapped
    '::ffff:0102:0304', // IPv4-mapped, hex spelling
    'example.com',
    '',
  ])('refuses %s', (ip) => expect(isKubernetesIP(ip)).toBe(false));

  it('is callable from CEL', () => {
    expect(run('self.all(h, !isIP(h))', ['example.com', 'a.b'])).toBe(true);
    expect(run('self.all(h, !isIP(h))', ['example.com', '1.2.3.4'])).toBe(false);
  });
});

describe('isCIDR (cidr.go)', () => {
  it.each(['10.0.0.0/8', '0.0.0.0/0', '192.168.1.1/32', '2001:db8::/32', '::/0'])('accepts %s', (c) => expect(isKubernetesCIDR(c)).toBe(true));
  it.each(['10.0.0.0', '10.0.0.0/33', '10.0.0.0/08', '10.0.0.0/-1', '::/129', '::ffff:1.2.3.4/96', 'x/8'])('refuses %s', (c) =>
    expect(isKubernetesCIDR(c)).toBe(false),
  );
  it('is callable from CEL', () => expect(run("isCIDR('10.0.0.0/8') && !isCIDR(self)", '10.0.0.1')).toBe(true));
});

describe('named formats (format.go)', () => {
  it('validate returns an optional list of errors: none when valid', () => {
    expect(run('format.dns1123Subdomain().validate(self).hasValue()', 'example.com')).toBe(false);
    expect(run('format.dns1123Subdomain().validate(self).hasValue()', 'Example.com')).toBe(true);
    expect(run('format.dns1123Label().validate(self).value()', 'a.b')).toEqual(expect.objectContaining({ size: 1 }));
  });

  it('has apimachinery messages', () => {
    expect(isDNS1123Label('a.b')).toEqual(['must not contain dots']);
    expect(isDNS1123Label('A')).toEqual([
      "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name', or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
    ]);
    expect(isDNS1123Subdomain('x'.repeat(254))).toEqual(['must be no more than 253 characters']);
    expect(isDNS1123Subdomain('a_b')[0]).toMatch(/^a lowercase RFC 1123 subdomain must consist of .* \(e\.g\. 'example\.com', regex used/);
    expect(isDNS1035Label('1abc')[0]).toMatch(/^a DNS-1035 label must consist of/);
    expect(isDNS1035Label('abc')).toEqual([]);
  });

  it('prefix variants accept a trailing dash (generateName)', () => {
    expect(run('format.dns1123LabelPrefix().validate(self).hasValue()', 'web-')).toBe(false);
    expect(run('format.dns1123Label().validate(self).hasValue()', 'web-')).toBe(true);
  });

  it('a plain string is not a format, and none.value() is an error', () => {
    expect(isCelError(run("'dns1123Label'.validate(self)", 'x'))).toBe(true);
    expect(isCelError(run('format.dns1123Label().validate(self).value()', 'ok'))).toBe(true);
  });

  it('the Gateway API routability rule: a domain-prefixed name that is not a Kubernetes domain', () => {
    const rule =
      "size(self) == 0 || self == 'Cluster' || (self.matches('^.*/.+$') && !format.dns1123Subdomain().validate(self.split('/')[0]).hasValue() && self.split('/')[0] != 'k8s.io' && !self.split('/')[0].endsWith('.k8s.io'))";
    expect(run(rule, 'example.com/internal')).toBe(true);
    expect(run(rule, 'Cluster')).toBe(true);
    expect(run(rule, 'Example_com/internal')).toBe(false);
    expect(run(rule, 'networking.k8s.io/internal')).toBe(false);
    expect(run(rule, 'internal')).toBe(false);
  });
});

describe('strings extension and standard CEL the rules use', () => {
  it.each([
    ["self.split('/')[0] == 'a'", 'a/b/c', true],
    ['self.substring(2) == "example.com"', '*.example.com', true],
    ["self.lowerAscii() == 'abc'", 'AbC', true],
    ["self.startsWith('/') && !self.contains('//') && !self.endsWith('/.')", '/a/b', true],
    // RE2 syntax, which JavaScript's RegExp does not take: a leading (?i) flag.
    ['self.matches(r"""^(?i)\\.?[a-z_][a-z_0-9]*(\\.[a-z_][a-z_0-9]*)*$""")', 'Foo.Bar', true],
    ["self.exists_one(x, x == 'a') && self.filter(x, x == 'b').size() == 2", ['a', 'b', 'b'], true],
    ["'*' in self && self.size() > 1", ['*', 'x'], true],
    ["duration(self) > duration('1s')", '1500ms', true],
  ])('%s', (expression, self, want) => expect(run(expression, self as CelInput)).toBe(want));
});
