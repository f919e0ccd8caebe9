/** The request model: URL and curl-style headers, and the path as the connection manager normalises it. */
import { ExplainRequestError, hostWithoutPort, normalizedPath, parseExplainRequest } from './request.js';

describe('parseExplainRequest', () => {
  test('scheme, Host as written, default ports, SNI, method, headers', () => {
    const r = parseExplainRequest('https://Shop.Example.com/api?q=1', { method: 'post', headers: ['X-Canary: true', 'x-canary: again'] });
    expect(r).toMatchObject({ scheme: 'https', authority: 'Shop.Example.com', path: '/api?q=1', port: 443, sni: 'shop.example.com', method: 'POST' });
    expect(r.headers.get('x-canary')).toEqual(['true', 'again']);
    expect(r.headers.get(':authority')).toEqual(['Shop.Example.com']);
    expect(parseExplainRequest('http://a.com:80/').authority).toBe('a.com');
    expect(parseExplainRequest('a.com:8080/x').port).toBe(8080);
  });
  test('Host overrides the URL\'s authority; --port and --sni override the connection', () => {
    const r = parseExplainRequest('https://a.com/', { headers: ['Host: b.com'], port: 8443, sni: 'c.com' });
    expect(r).toMatchObject({ authority: 'b.com', port: 8443, sni: 'c.com' });
  });
  test('bad input is a user error', () => {
    expect(() => parseExplainRequest('ftp://a/')).toThrow(ExplainRequestError);
    expect(() => parseExplainRequest('http://a/', { headers: ['no colon'] })).toThrow(ExplainRequestError);
  });
});

describe('path normalisation (normalize_path, merge_slashes)', () => {
  test('dot segments are removed and slashes merged; the query is left alone', () => {
    expect(normalizedPath('/a/./b/../c')).toBe('/a/c');
    expect(normalizedPath('/a//b///c?x=//y')).toBe('/a/b/c?x=//y');
    expect(normalizedPath('/..')).toBe('/');
    expect(normalizedPath('/a/b/..')).toBe('/a/');
    expect(normalizedPath('/a//b', { dotSegments: false, mergeSlashes: false })).toBe('/a//b');
  });
  test('percent-encoded unreserved characters are decoded, other escapes upper-cased', () => {
    expect(normalizedPath('/%61pi')).toBe('/api');
    expect(normalizedPath('/a/%2e%2e/b')).toBe('/b');
    expect(normalizedPath('/a%20b%3f')).toBe('/a%20b%3F');
  });
  test('the port is stripped from a Host, IPv6 literals kept whole', () => {
    expect(hostWithoutPort('a.com:8080')).toBe('a.com');
    expect(hostWithoutPort('[::1]:80')).toBe('[::1]');
    expect(hostWithoutPort('[::1]')).toBe('[::1]');
  });
});
