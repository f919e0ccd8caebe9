/** The route hostname behind a listener/route intersection (GatewayRouteHostnameIntersectionPrecedence). */
import { intersectHostnames, routeHostnameBehind } from './hostnames.js';

describe('routeHostnameBehind', () => {
  it('is the route hostname itself when the listener has none', () => {
    expect(routeHostnameBehind(undefined, ['*.example.com', 'abc.example.com'], 'abc.example.com')).toBe('abc.example.com');
    expect(routeHostnameBehind(undefined, ['*.example.com'], '*.example.com')).toBe('*.example.com');
  });

  it('names the wildcard route hostname that an exact listener narrowed', () => {
    expect(intersectHostnames('abc.example.com', ['*.example.com'])).toEqual(['abc.example.com']);
    expect(routeHostnameBehind('abc.example.com', ['*.example.com'], 'abc.example.com')).toBe('*.example.com');
    expect(routeHostnameBehind('abc.example.com', ['abc.example.com'], 'abc.example.com')).toBe('abc.example.com');
  });

  it('names the broader wildcard a wildcard listener narrowed', () => {
    expect(routeHostnameBehind('*.example.com', ['*.com'], '*.example.com')).toBe('*.com');
    expect(routeHostnameBehind('*.example.com', ['*.example.com'], '*.example.com')).toBe('*.example.com');
  });

  it('picks the most specific of several route hostnames behind one intersection', () => {
    expect(routeHostnameBehind('abc.example.com', ['*.com', '*.example.com'], 'abc.example.com')).toBe('*.example.com');
    expect(routeHostnameBehind('abc.example.com', ['*.com', 'abc.example.com', '*.example.com'], 'abc.example.com')).toBe('abc.example.com');
  });

  it('is the catch-all for a route without hostnames', () => {
    expect(routeHostnameBehind('abc.example.com', undefined, 'abc.example.com')).toBe('*');
    expect(routeHostnameBehind('abc.example.com', [], 'abc.example.com')).toBe('*');
    expect(routeHostnameBehind(undefined, undefined, '*')).toBe('*');
  });
});
