import { envoyProtos, validateMessage } from '@portico/envoy';
import type { RouteMatchIR } from '@portico/ir';
import { buildRouteConfiguration } from './route-configuration.js';
import { grpcRoute, httpRoute } from './route-fixtures.test-util.js';
import { buildRouteMatch } from './route-match.js';

const ROUTE_CONFIGURATION = 'envoy.config.route.v3.RouteConfiguration';

function match(m: RouteMatchIR) {
  const route = httpRoute({ match: m });
  const table = buildRouteConfiguration('default/eg/http-80', [{ name: 'example.com', domains: ['example.com'], routes: [route] }], { port: 80, tls: false });
  expect(validateMessage(ROUTE_CONFIGURATION, table.resource)).toEqual([]);
  return buildRouteMatch(route);
}

function grpcMatch(grpc: RouteMatchIR['grpc']) {
  const route = grpcRoute({ match: grpc ? { grpc } : {} });
  const table = buildRouteConfiguration('default/eg/http-80', [{ name: '*', domains: ['*'], routes: [route] }], { port: 80, tls: false });
  expect(validateMessage(ROUTE_CONFIGURATION, table.resource)).toEqual([]);
  return buildRouteMatch(route);
}

/** Envoy's path_separated_prefix semantics, to check the mapping against Gateway API's examples. */
function pathSeparatedPrefixMatches(prefix: string, path: string): boolean {
  return path === prefix || path.startsWith(`${prefix}/`);
}

describe('buildRouteMatch', () => {
  beforeAll(() => envoyProtos());

  it('maps PathPrefix to the element-wise path_separated_prefix', () => {
    const m = match({ path: { type: 'PathPrefix', value: '/abc' } });
    expect(m).toEqual({ pathSeparatedPrefix: '/abc' });
    const prefix = m.pathSeparatedPrefix as string;
    expect(['/abc', '/abc/', '/abc/def'].map((p) => pathSeparatedPrefixMatches(prefix, p))).toEqual([true, true, true]);
    expect(pathSeparatedPrefixMatches(prefix, '/abcd')).toBe(false);
  });

  it('ignores a trailing slash of PathPrefix, which path_separated_prefix forbids', () => {
    expect(match({ path: { type: 'PathPrefix', value: '/foo/' } })).toEqual({ pathSeparatedPrefix: '/foo' });
    expect(match({ path: { type: 'PathPrefix', value: '/' } })).toEqual({ prefix: '/' });
    expect(match({})).toEqual({ prefix: '/' });
  });

  it('maps Exact to path and RegularExpression to safe_regex', () => {
    expect(match({ path: { type: 'Exact', value: '/exact' } })).toEqual({ path: '/exact' });
    expect(match({ path: { type: 'RegularExpression', value: '/v[0-9]+/.*' } })).toEqual({ safeRegex: { regex: '/v[0-9]+/.*' } });
  });

  it('matches headers, query parameters and the method together', () => {
    const m = match({
      path: { type: 'Exact', value: '/' },
      method: 'POST',
      headers: [
        { name: 'version', type: 'Exact', value: 'two' },
        { name: 'x-env', type: 'RegularExpression', value: 'canary|beta' },
      ],
      queryParams: [
        { name: 'animal', type: 'Exact', value: 'whale' },
        { name: 'color', type: 'RegularExpression', value: 'bl.*' },
      ],
    });
    expect(m).toEqual({
      path: '/',
      headers: [
        { name: ':method', stringMatch: { exact: 'POST' } },
        { name: 'version', stringMatch: { exact: 'two' } },
        { name: 'x-env', stringMatch: { safeRegex: { regex: 'canary|beta' } } },
      ],
      queryParameters: [
        { name: 'animal', stringMatch: { exact: 'whale' } },
        { name: 'color', stringMatch: { safeRegex: { regex: 'bl.*' } } },
      ],
    });
  });

  it('keeps the :authority matches the Ingress translator adds for one-label wildcards', () => {
    const m = match({ headers: [{ name: ':authority', type: 'RegularExpression', value: '^[^.:]+(\\.[^.:]+){2}(:[0-9]+)?$' }] });
    expect(m.headers).toEqual([{ name: ':authority', stringMatch: { safeRegex: { regex: '^[^.:]+(\\.[^.:]+){2}(:[0-9]+)?$' } } }]);
  });
});

describe('buildRouteMatch for gRPC', () => {
  beforeAll(() => envoyProtos());

  it('matches an exact service and method on the path, gRPC requests only', () => {
    expect(grpcMatch({ type: 'Exact', service: 'pkg.Svc', method: 'Method' })).toEqual({ path: '/pkg.Svc/Method', grpc: {} });
  });

  it('matches every method of an exact service by prefix', () => {
    expect(grpcMatch({ type: 'Exact', service: 'pkg.Svc' })).toEqual({ prefix: '/pkg.Svc/', grpc: {} });
  });

  it('matches an exact method of any service by regex', () => {
    const m = grpcMatch({ type: 'Exact', method: 'Method' });
    const regex = new RegExp((m.safeRegex as { regex: string }).regex);
    expect(m.grpc).toEqual({});
    expect(regex.test('/pkg.Svc/Method')).toBe(true);
    expect(regex.test('/other.Svc/Method')).toBe(true);
    expect(regex.test('/pkg.Svc/MethodX')).toBe(false);
    expect(regex.test('/pkg.Svc/x/Method')).toBe(false);
  });

  it('builds one anchored regex from RegularExpression service and method parts', () => {
    const both = grpcMatch({ type: 'RegularExpression', service: 'pkg\\.(Svc|Other)', method: 'Get.*' });
    const regex = new RegExp((both.safeRegex as { regex: string }).regex);
    expect(regex.test('/pkg.Svc/GetThing')).toBe(true);
    expect(regex.test('/pkg.Other/Get')).toBe(true);
    expect(regex.test('/pkg.Svc/Put')).toBe(false);
    // The alternation stays inside the service part.
    expect(regex.test('/Other/Get')).toBe(false);

    const serviceOnly = new RegExp((grpcMatch({ type: 'RegularExpression', service: '^pkg\\..*$' }).safeRegex as { regex: string }).regex);
    expect(serviceOnly.test('/pkg.Svc/Method')).toBe(true);
    expect(serviceOnly.test('/other.Svc/Method')).toBe(false);

    const methodOnly = new RegExp((grpcMatch({ type: 'RegularExpression', method: 'Me.hod' }).safeRegex as { regex: string }).regex);
    expect(methodOnly.test('/pkg.Svc/Method')).toBe(true);
    expect(methodOnly.test('/pkg.Svc/Other')).toBe(false);
  });

  it('matches every gRPC request for a GRPCRoute without a method match', () => {
    expect(grpcMatch(undefined)).toEqual({ prefix: '/', grpc: {} });
  });

  it('keeps header matches beside the gRPC path', () => {
    const route = grpcRoute({ match: { grpc: { type: 'Exact', service: 'pkg.Svc' }, headers: [{ name: 'x-tenant', type: 'Exact', value: 'a' }] } });
    expect(buildRouteMatch(route)).toEqual({ prefix: '/pkg.Svc/', headers: [{ name: 'x-tenant', stringMatch: { exact: 'a' } }], grpc: {} });
  });
});
