/**
 * Envoy's RouteMatch semantics (route_components.proto), per matcher:
 * - every path specifier is matched on the path without query string and fragment (current Envoy:
 *   Matchers::PathMatcher::match calls PathUtil::removeQueryAndFragment); case_sensitive (default true).
 * - prefix: a string prefix of that path.
 * - path: "must exactly match the :path header once the query string is removed".
 * - path_separated_prefix: the path without query "must either exactly match the
 *   path_separated_prefix or have it as a prefix, followed by /".
 * - safe_regex: RE2, a full match of the path without the query string.
 * - headers: every HeaderMatcher holds; values of a repeated header are joined with ','; a missing
 *   header fails a value matcher even when inverted; present_match; invert_match;
 *   treat_missing_header_as_empty.
 * - query_parameters: the parameter must be present, its (first) value matched as written
 *   (RouteEntryImplBase::matchRoute uses QueryParamsMulti::parseQueryString, no percent-decoding).
 * - grpc: content-type application/grpc or application/grpc+….
 */
import { parseExplainRequest } from './request.js';
import { evaluateRouteMatch } from './route-match.js';

const req = (path: string, headers: string[] = [], method?: string) => parseExplainRequest(`http://h${path}`, { headers, ...(method ? { method } : {}) });
const holds = (match: Record<string, unknown>, path: string, headers: string[] = [], method?: string) =>
  evaluateRouteMatch(match, req(path, headers, method), req(path).path).matched;

describe('path specifiers', () => {
  test('prefix is a string prefix of the path without query, case-sensitive unless case_sensitive is false', () => {
    expect(holds({ prefix: '/api' }, '/apix')).toBe(true);
    expect(holds({ prefix: '/api' }, '/api?x=1')).toBe(true);
    expect(holds({ prefix: '/api?x' }, '/api?x=1')).toBe(false);
    expect(holds({ prefix: '/api' }, '/API')).toBe(false);
    expect(holds({ prefix: '/api', caseSensitive: false }, '/API/v1')).toBe(true);
  });
  test('path is an exact match of the path without its query string', () => {
    expect(holds({ path: '/api' }, '/api?q=1')).toBe(true);
    expect(holds({ path: '/api' }, '/api/')).toBe(false);
    expect(holds({ path: '/api', caseSensitive: false }, '/Api')).toBe(true);
  });
  test('path_separated_prefix matches the prefix itself or below it, element-wise', () => {
    expect(holds({ pathSeparatedPrefix: '/api' }, '/api')).toBe(true);
    expect(holds({ pathSeparatedPrefix: '/api' }, '/api/')).toBe(true);
    expect(holds({ pathSeparatedPrefix: '/api' }, '/api/v1?q')).toBe(true);
    expect(holds({ pathSeparatedPrefix: '/api' }, '/api?q=1')).toBe(true);
    expect(holds({ pathSeparatedPrefix: '/api' }, '/apix')).toBe(false);
    expect(holds({ pathSeparatedPrefix: '/api' }, '/Api/v1')).toBe(false);
    expect(holds({ pathSeparatedPrefix: '/api', caseSensitive: false }, '/Api/v1')).toBe(true);
  });
  test('safe_regex is an RE2 full match of the path without query', () => {
    expect(holds({ safeRegex: { regex: '/api/v[0-9]+' } }, '/api/v12?x=1')).toBe(true);
    expect(holds({ safeRegex: { regex: '/api/v[0-9]+' } }, '/api/v12/x')).toBe(false);
    expect(holds({ safeRegex: { regex: 'api' } }, '/api')).toBe(false);
    // RE2 syntax JavaScript lacks.
    expect(holds({ safeRegex: { regex: '(?i)/API' } }, '/api')).toBe(true);
    expect(holds({ safeRegex: { regex: '/[[:alpha:]]+' } }, '/abc')).toBe(true);
  });
});

describe('header matchers', () => {
  test('string_match exact / prefix / suffix / contains / safe_regex, ignore_case', () => {
    const m = (stringMatch: Record<string, unknown>, value: string) => holds({ prefix: '/', headers: [{ name: 'x-env', stringMatch }] }, '/', [`x-env: ${value}`]);
    expect(m({ exact: 'prod' }, 'prod')).toBe(true);
    expect(m({ exact: 'prod' }, 'Prod')).toBe(false);
    expect(m({ exact: 'prod', ignoreCase: true }, 'Prod')).toBe(true);
    expect(m({ prefix: 'pr' }, 'prod')).toBe(true);
    expect(m({ suffix: 'od' }, 'prod')).toBe(true);
    expect(m({ contains: 'ro' }, 'prod')).toBe(true);
    expect(m({ safeRegex: { regex: 'pro.*' } }, 'production')).toBe(true);
    expect(m({ safeRegex: { regex: 'pro' } }, 'production')).toBe(false);
  });
  test('header names are case-insensitive; repeated headers are joined with ","', () => {
    expect(holds({ prefix: '/', headers: [{ name: 'X-Env', stringMatch: { exact: 'a' } }] }, '/', ['x-env: a'])).toBe(true);
    expect(holds({ prefix: '/', headers: [{ name: 'x-env', stringMatch: { exact: 'a,b' } }] }, '/', ['x-env: a', 'X-Env: b'])).toBe(true);
  });
  test('a missing header fails a value matcher, inverted or not, unless treat_missing_header_as_empty', () => {
    expect(holds({ prefix: '/', headers: [{ name: 'x-env', stringMatch: { exact: 'prod' } }] }, '/')).toBe(false);
    expect(holds({ prefix: '/', headers: [{ name: 'x-env', stringMatch: { exact: 'prod' }, invertMatch: true }] }, '/')).toBe(false);
    expect(holds({ prefix: '/', headers: [{ name: 'x-env', stringMatch: { exact: 'prod' }, invertMatch: true, treatMissingHeaderAsEmpty: true }] }, '/')).toBe(true);
    expect(holds({ prefix: '/', headers: [{ name: 'x-env', stringMatch: { exact: 'prod' }, invertMatch: true }] }, '/', ['x-env: dev'])).toBe(true);
  });
  test('present_match, inverted or false, says whether the header is there', () => {
    expect(holds({ prefix: '/', headers: [{ name: 'x-a', presentMatch: true }] }, '/', ['x-a: '])).toBe(true);
    expect(holds({ prefix: '/', headers: [{ name: 'x-a', presentMatch: true }] }, '/')).toBe(false);
    expect(holds({ prefix: '/', headers: [{ name: 'x-a', presentMatch: true, invertMatch: true }] }, '/')).toBe(true);
    expect(holds({ prefix: '/', headers: [{ name: 'x-a', presentMatch: false }] }, '/')).toBe(true);
  });
  test(':method and :authority are headers to Envoy', () => {
    expect(holds({ prefix: '/', headers: [{ name: ':method', stringMatch: { exact: 'POST' } }] }, '/', [], 'post')).toBe(true);
    expect(holds({ prefix: '/', headers: [{ name: ':method', stringMatch: { exact: 'POST' } }] }, '/')).toBe(false);
    expect(holds({ prefix: '/', headers: [{ name: ':authority', stringMatch: { safeRegex: { regex: '.+:[0-9]+' } } }] }, '/', ['Host: h:8080'])).toBe(true);
    expect(holds({ prefix: '/', headers: [{ name: ':authority', stringMatch: { safeRegex: { regex: '.+:[0-9]+' } } }] }, '/')).toBe(false);
  });
});

describe('query parameters and gRPC', () => {
  test('a query parameter must be present and its first value match', () => {
    const q = { prefix: '/', queryParameters: [{ name: 'q', stringMatch: { exact: '1' } }] };
    expect(holds(q, '/?q=1')).toBe(true);
    expect(holds(q, '/?a=2&q=1&q=2')).toBe(true);
    expect(holds(q, '/?q=2&q=1')).toBe(false);
    expect(holds(q, '/')).toBe(false);
    expect(holds({ prefix: '/', queryParameters: [{ name: 'q', presentMatch: true }] }, '/?q')).toBe(true);
    // parseQueryString does not percent-decode.
    expect(holds({ prefix: '/', queryParameters: [{ name: 'q', stringMatch: { exact: 'a%20b' } }] }, '/?q=a%20b')).toBe(true);
    expect(holds({ prefix: '/', queryParameters: [{ name: 'q', stringMatch: { exact: 'a b' } }] }, '/?q=a%20b')).toBe(false);
  });
  test('grpc holds for application/grpc and application/grpc+proto only', () => {
    expect(holds({ prefix: '/', grpc: {} }, '/', ['content-type: application/grpc'])).toBe(true);
    expect(holds({ prefix: '/', grpc: {} }, '/', ['content-type: application/grpc+proto'])).toBe(true);
    expect(holds({ prefix: '/', grpc: {} }, '/', ['content-type: application/grpc-web'])).toBe(false);
    expect(holds({ prefix: '/', grpc: {} }, '/')).toBe(false);
  });
});

describe('conditions', () => {
  test('every condition is reported in order, so the first that failed can be named', () => {
    const result = evaluateRouteMatch(
      { pathSeparatedPrefix: '/api', headers: [{ name: ':method', stringMatch: { exact: 'POST' } }, { name: 'x-canary', stringMatch: { exact: 'true' } }] },
      req('/api/v1', ['x-canary: true']),
      '/api/v1',
    );
    expect(result.matched).toBe(false);
    expect(result.conditions).toEqual([
      { condition: 'path is "/api" or below it', holds: true },
      { condition: 'method = "POST"', holds: false },
      { condition: 'header x-canary = "true"', holds: true },
    ]);
  });
});
