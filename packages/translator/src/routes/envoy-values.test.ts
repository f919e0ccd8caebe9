import type { HTTPRouteIR } from '@portico/ir';
import { headerNameProblem, headerValueProblem, preciseHostnameProblem, rewritePathProblem, routeValueProblem } from './envoy-values.js';
import { ingressHostProblem, ingressPathProblem } from '../ingress/ingress-validation.js';

const base: HTTPRouteIR = { name: 'r', source: { kind: 'HTTPRoute', namespace: 'ns', name: 'r' }, match: {} };

describe('values Envoy would refuse', () => {
  it('header names: RFC 7230 tokens only', () => {
    expect(headerNameProblem('X-Team_1')).toBeUndefined();
    expect(headerNameProblem('x bad')).toMatch(/"x bad" is not a valid header name/);
    expect(headerNameProblem(':authority')).toMatch(/not a valid header name/);
    expect(headerNameProblem('')).toBe('must not be empty');
    expect(headerNameProblem('a'.repeat(257))).toMatch(/longer than 256/);
  });

  it('header values, rewritten paths: no NUL, CR or LF', () => {
    expect(headerValueProblem('a b;c=d')).toBeUndefined();
    expect(headerValueProblem('a\r\nSet-Cookie: x')).toMatch(/contains NUL, CR or LF/);
    expect(headerValueProblem('a\0')).toMatch(/contains NUL, CR or LF/);
    expect(rewritePathProblem('/v2/x')).toBeUndefined();
    expect(rewritePathProblem('/x\nX: 1')).toMatch(/rewritten path/);
  });

  it('hostnames: Gateway API PreciseHostname', () => {
    expect(preciseHostnameProblem('backend.example.com')).toBeUndefined();
    expect(preciseHostnameProblem('Backend.example.com')).toMatch(/not a valid hostname/);
    expect(preciseHostnameProblem('a\nb')).toMatch(/not a valid hostname/);
  });

  it('names the field of the first refused value of a route entry', () => {
    expect(routeValueProblem({ ...base, requestHeaders: { set: [{ name: 'x-ok', value: 'v' }] } })).toBeUndefined();
    // Host: the xDS translator makes a request Host set a host rewrite and drops a host removal.
    expect(routeValueProblem({ ...base, requestHeaders: { set: [{ name: 'Host', value: 'v' }], remove: ['host'] } })).toBeUndefined();
    expect(routeValueProblem({ ...base, requestHeaders: { set: [{ name: ':path', value: 'v' }] } })?.problem.message).toMatch(/^filters\.requestHeaderModifier\.set\[0\]\.name: ":path" is not a valid header name/);
    expect(routeValueProblem({ ...base, responseHeaders: { remove: [':status'] } })?.problem.message).toMatch(/^filters\.responseHeaderModifier\.remove\[0\]: /);
    expect(routeValueProblem({ ...base, responseHeaders: { add: [{ name: 'x', value: 'a\r\nb' }] } })?.problem.message).toMatch(/^filters\.responseHeaderModifier\.add\[0\]\.value: "a\\r\\nb" contains NUL, CR or LF/);
    expect(routeValueProblem({ ...base, rewrite: { path: { type: 'ReplaceFullPath', value: '/a\r\n' } } })?.problem.message).toMatch(/^filters\.urlRewrite\.path\.replaceFullPath: /);
    expect(routeValueProblem({ ...base, redirect: { statusCode: 302, hostname: 'A.example.com' } })?.problem.message).toMatch(/^filters\.requestRedirect\.hostname: /);
    expect(routeValueProblem({ ...base, match: { headers: [{ name: 'x y', type: 'Exact', value: 'v' }] } })?.problem.message).toMatch(/^matches\.headers\[0\]\.name: /);
    expect(routeValueProblem({ ...base, cors: { allowOrigins: ['*'], allowHeaders: ['*', 'x\n'] } })?.problem.message).toMatch(/^filters\.cors\.allowHeaders\[1\]: /);
    const backends = [{ weight: 1, backend: 'b', requestHeaders: { add: [{ name: 'x', value: 'a\0' }] } }];
    expect(routeValueProblem({ ...base, destination: { backends } })?.problem.message).toMatch(/^backendRefs\[0\]\.filters\.requestHeaderModifier\.add\[0\]\.value: /);
  });

  it('tells a refused match (the rule is dropped) from a refused filter value (the rule fails closed)', () => {
    expect(routeValueProblem({ ...base, match: { headers: [{ name: 'x y', type: 'Exact', value: 'v' }] } })?.in).toBe('match');
    expect(routeValueProblem({ ...base, requestHeaders: { set: [{ name: 'x', value: 'a\r\nb' }] } })?.in).toBe('filter');
    expect(routeValueProblem({ ...base, rewrite: { path: { type: 'ReplaceFullPath', value: '/a\r\n' } } })?.in).toBe('filter');
  });
});

describe('Ingress hosts and paths as the API server checks them', () => {
  it.each(['blog.example.com', '*.example.com', 'a-1.b'])('accepts %s', (host) => {
    expect(ingressHostProblem(host)).toBeUndefined();
  });
  it.each([['BLOG.example.com', /not a valid host/], ['10.0.0.1', /not an IP address/], ['*.Example.com', /after the leading/], ['a.*.com', /not a valid host/], ['blog.example.com\r\n', /not a valid host/]])('refuses %j', (host, message) => {
    expect(ingressHostProblem(host)).toMatch(message);
  });
  it('paths: absolute, no dot segments or encoded slashes for Exact and Prefix', () => {
    expect(ingressPathProblem('/api', 'Prefix')).toBeUndefined();
    expect(ingressPathProblem('api', 'ImplementationSpecific')).toMatch(/absolute path/);
    expect(ingressPathProblem('/a//b', 'Exact')).toMatch(/'\/\/'/);
    expect(ingressPathProblem('/a/..', 'Prefix')).toMatch(/end with/);
    expect(ingressPathProblem('/a/%2F', 'ImplementationSpecific')).toBeUndefined();
  });
});
