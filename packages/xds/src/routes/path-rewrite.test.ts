import { envoyProtos, validateMessage, type Proto3Json } from '@portico/envoy';
import { fullPathReplacement, prefixReplacement } from './path-rewrite.js';
import { normalizedPrefix } from './route-match.js';

/**
 * What Envoy does to the path (query string aside) with these fields: prefix_rewrite replaces the
 * characters the route matched, here the normalized path_separated_prefix; regex_rewrite is RE2's
 * GlobalReplace, whose substitution treats `\\` as one backslash.
 */
function envoyRewrite(path: string, matchPrefix: string, fields: Proto3Json): string {
  if (typeof fields.prefixRewrite === 'string') return fields.prefixRewrite + path.slice(normalizedPrefix(matchPrefix).length);
  const regexRewrite = fields.regexRewrite as { pattern: { regex: string }; substitution: string } | undefined;
  if (regexRewrite) {
    const substitution = regexRewrite.substitution.replace(/\\\\/g, '\\');
    return path.replace(new RegExp(regexRewrite.pattern.regex, 'g'), () => substitution);
  }
  return path;
}

describe('prefixReplacement (HTTPPathModifier ReplacePrefixMatch)', () => {
  beforeAll(() => envoyProtos());

  // httproute_types.go HTTPPathModifier.ReplacePrefixMatch, every row of the spec's table.
  it.each([
    ['/foo/bar', '/foo', '/xyz', '/xyz/bar'],
    ['/foo/bar', '/foo', '/xyz/', '/xyz/bar'],
    ['/foo/bar', '/foo/', '/xyz', '/xyz/bar'],
    ['/foo/bar', '/foo/', '/xyz/', '/xyz/bar'],
    ['/foo', '/foo', '/xyz', '/xyz'],
    ['/foo/', '/foo', '/xyz', '/xyz/'],
    ['/foo/bar', '/foo', '', '/bar'],
    ['/foo/', '/foo', '', '/'],
    ['/foo', '/foo', '', '/'],
    ['/foo/', '/foo', '/', '/'],
    ['/foo', '/foo', '/', '/'],
  ])('%s with prefix %s and replacement %j → %s', (path, prefix, replacement, expected) => {
    const fields = prefixReplacement(prefix, replacement);
    expect(validateMessage('envoy.config.route.v3.RouteAction', { cluster: 'c', ...fields })).toEqual([]);
    expect(validateMessage('envoy.config.route.v3.RedirectAction', fields)).toEqual([]);
    expect(envoyRewrite(path, prefix, fields)).toBe(expected);
  });

  it('uses Envoy prefix_rewrite when prefix and replacement are both non-empty', () => {
    expect(prefixReplacement('/foo', '/xyz/')).toEqual({ prefixRewrite: '/xyz' });
  });

  it('strips /foo with replacement / by an anchored regex, never producing //', () => {
    const fields = prefixReplacement('/foo', '/');
    expect(fields).toEqual({ regexRewrite: { pattern: { regex: '^/foo/?' }, substitution: '/' } });
    expect(envoyRewrite('/foo/bar', '/foo', fields)).toBe('/bar');
    expect(envoyRewrite('/foo/bar/foo', '/foo', fields)).toBe('/bar/foo');
  });

  it('escapes regex metacharacters of the prefix', () => {
    const fields = prefixReplacement('/v1.0+(x)', '/');
    expect(envoyRewrite('/v1.0+(x)/a', '/v1.0+(x)', fields)).toBe('/a');
    expect(envoyRewrite('/v1x0+(x)/a', '/v1.0+(x)', fields)).toBe('/v1x0+(x)/a');
  });

  it('puts the replacement in front of every path under the match-all prefix', () => {
    const fields = prefixReplacement('/', '/api');
    expect(envoyRewrite('/users', '/', fields)).toBe('/api/users');
    expect(envoyRewrite('/', '/', fields)).toBe('/api/');
    expect(prefixReplacement('/', '/')).toEqual({});
  });
});

describe('fullPathReplacement (ReplaceFullPath)', () => {
  it('replaces the whole path', () => {
    const fields = fullPathReplacement('/new');
    expect(envoyRewrite('/old/path', '/old', fields)).toBe('/new');
    expect(envoyRewrite('/', '/', fields)).toBe('/new');
  });
});
