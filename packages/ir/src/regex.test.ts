import { embeddedRegex, grpcMethodRegex, quoteValue, re2Problem } from './regex.js';

describe('re2Problem (RE2 itself, as Envoy compiles)', () => {
  it.each([
    ['(?i)abc'],
    ['[[:alpha:]]+'],
    ['/api/v[0-9]+/.*'],
    ['\\p{Greek}+'],
    ['\\x{00e9}'],
    ['(?P<name>a)'],
    ['a{1000}'],
    ['((a{10}){10}){10}'],
  ])('accepts %s', (pattern) => {
    expect(re2Problem(pattern)).toBeUndefined();
  });

  // RE2's own messages, the ones Envoy 1.40 prints for the same patterns (`envoy --mode validate`).
  it.each([
    ['a{1001}', 'invalid repetition size: {1001}'],
    ['(a)\\1', 'invalid escape sequence: \\1'],
    ['((a{100}){100}){100}', 'invalid repetition size: {100}'],
    ['(?=x)', 'invalid perl operator: (?='],
    ['[a-', 'missing ]: [a-'],
  ])('refuses %s with RE2\'s message', (pattern, message) => {
    expect(re2Problem(pattern)).toBe(`regular expression ${JSON.stringify(pattern)} is refused by RE2: ${message}`);
  });

  it.each([['caf\\u00e9'], ['\\p{Script=Greek}'], ['\\cA']])('refuses JavaScript-only syntax %s that RE2 would read otherwise', (pattern) => {
    expect(re2Problem(pattern)).toMatch(/JavaScript-only syntax/);
  });

  it('refuses the empty pattern (Envoy: RegexMatcher.regex min_len 1)', () => {
    expect(re2Problem('')).toMatch(/must not be empty/);
  });

  it('quotes long values shortened, with their length', () => {
    const long = 'a'.repeat(500);
    expect(quoteValue(long)).toBe(`${JSON.stringify('a'.repeat(80) + '…')} (500 characters)`);
    expect(re2Problem(`${long}(`)!.length).toBeLessThan(400);
  });

  it('builds the gRPC method pattern around the user parts', () => {
    expect(grpcMethodRegex('^pkg\\.Svc$', undefined)).toBe('^/(?:pkg\\.Svc)/[^/]+$');
    expect(embeddedRegex('a|b')).toBe('(?:a|b)');
  });
});
