import { describe, expect, it } from '@jest/globals';
import { convertedPathMatch, convertedRewrite } from './converted-paths.js';

describe('convertedPathMatch', () => {
  it('keeps Exact, drops a Prefix path\'s trailing slash, and serves regex-mode paths as the Ingress translator does', () => {
    expect(convertedPathMatch('Exact', '/a/', { regexPaths: true }).match).toEqual({ type: 'Exact', value: '/a/' });
    expect(convertedPathMatch('Prefix', '/a/', { regexPaths: false }).match).toEqual({ type: 'PathPrefix', value: '/a' });
    expect(convertedPathMatch('ImplementationSpecific', undefined, { regexPaths: false }).match).toEqual({ type: 'PathPrefix', value: '/' });
    expect(convertedPathMatch('ImplementationSpecific', '/img/[0-9]+', { regexPaths: true })).toEqual({
      ingressMatch: { type: 'RegularExpression', value: '(?i)^(?:/img/[0-9]+).*', source: '/img/[0-9]+' },
      match: { type: 'RegularExpression', value: '(?i)^(?:/img/[0-9]+).*' },
    });
  });

  it('matches a path RE2 refuses as its literal text, with the problem', () => {
    const refused = convertedPathMatch('Prefix', '/a(?=b)', { regexPaths: true });
    expect(refused.problem).toBeDefined();
    expect(refused.match.value).toBe('(?i)^(?:/a\\(\\?=b\\)).*');
  });
});

describe('convertedRewrite', () => {
  it('is exactly ReplaceFullPath for a target without groups', () => {
    expect(convertedRewrite('/(atom|rss)', '/feed.xml')).toEqual({ kind: 'exact', filter: { path: { type: 'ReplaceFullPath', replaceFullPath: '/feed.xml' } } });
  });

  it('turns the two prefix-stripping idioms into PathPrefix + ReplacePrefixMatch, partially', () => {
    expect(convertedRewrite('/something(/|$)(.*)', '/$2')).toMatchObject({ kind: 'partial', match: { type: 'PathPrefix', value: '/something' }, filter: { path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/' } } });
    const slash = convertedRewrite('/api/v1/(.*)', '/$1');
    expect(slash).toMatchObject({ kind: 'partial', match: { type: 'PathPrefix', value: '/api/v1' } });
    expect(slash.kind === 'partial' && slash.message).toMatch(/also takes \/api\/v1 itself/);
  });

  it('cannot express other capture groups, nor a prefix that is itself a regex', () => {
    expect(convertedRewrite('/items/([0-9]+)', '/v2/$1').kind).toBe('unsupported');
    expect(convertedRewrite('/a+(/|$)(.*)', '/$2').kind).toBe('unsupported');
    expect(convertedRewrite('/a(/|$)(.*)', '/x/$2').kind).toBe('unsupported');
  });
});
