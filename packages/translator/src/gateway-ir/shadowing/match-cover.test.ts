/** The covering relation: only what provably holds for every request. */
import fc from 'fast-check';
import type { RouteMatchIR } from '@portico/ir';
import { covers, matchShape } from './match-cover.js';

const http = (m: RouteMatchIR) => matchShape(m, false);
const grpc = (m: RouteMatchIR) => matchShape(m, true);
const prefix = (value: string, rest: Partial<RouteMatchIR> = {}): RouteMatchIR => ({ path: { type: 'PathPrefix', value }, ...rest });
const exact = (value: string, rest: Partial<RouteMatchIR> = {}): RouteMatchIR => ({ path: { type: 'Exact', value }, ...rest });
const regex = (value: string): RouteMatchIR => ({ path: { type: 'RegularExpression', value } });
const header = (name: string, value: string, type: 'Exact' | 'RegularExpression' = 'Exact') => ({ name, value, type });

describe('covers (HTTP paths)', () => {
  it('a PathPrefix covers the Exact paths and prefixes under it, element-wise', () => {
    expect(covers(http(prefix('/api')), http(exact('/api/x')))).toBe(true);
    expect(covers(http(prefix('/api')), http(exact('/api')))).toBe(true);
    expect(covers(http(prefix('/api')), http(exact('/api/')))).toBe(true);
    expect(covers(http(prefix('/api')), http(prefix('/api/v1')))).toBe(true);
    expect(covers(http(prefix('/api')), http(prefix('/api')))).toBe(true);
  });

  it('is element-wise: /ab covers neither /abc nor /abc/x', () => {
    expect(covers(http(prefix('/ab')), http(prefix('/abc')))).toBe(false);
    expect(covers(http(prefix('/ab')), http(exact('/abc/x')))).toBe(false);
    expect(covers(http(prefix('/ab')), http(exact('/abc')))).toBe(false);
  });

  it('ignores a trailing slash on PathPrefix (httproute_types.go PathMatchPathPrefix)', () => {
    expect(covers(http(prefix('/api/')), http(prefix('/api')))).toBe(true);
    expect(covers(http(prefix('/api')), http(prefix('/api/')))).toBe(true);
    expect(covers(http(prefix('/api/')), http(exact('/api')))).toBe(true);
  });

  it('/ covers every path, regular expressions included', () => {
    expect(covers(http(prefix('/')), http(regex('/x.*')))).toBe(true);
    expect(covers(http({}), http(exact('/anything')))).toBe(true);
  });

  it('an Exact path covers only itself; a broader match is never covered by a narrower one', () => {
    expect(covers(http(exact('/api')), http(exact('/api')))).toBe(true);
    expect(covers(http(exact('/api')), http(exact('/api/')))).toBe(false);
    expect(covers(http(exact('/api')), http(prefix('/api')))).toBe(false);
    expect(covers(http(prefix('/api/v1')), http(prefix('/api')))).toBe(false);
  });

  it('proves nothing about regular expressions unless identical', () => {
    expect(covers(http(regex('/api/.*')), http(regex('/api/.*')))).toBe(true);
    expect(covers(http(regex('/api/.*')), http(exact('/api/x')))).toBe(false);
    expect(covers(http(regex('.*')), http(prefix('/api')))).toBe(false);
    expect(covers(http(prefix('/api')), http(regex('/api/x')))).toBe(false);
  });
});

describe('covers (conditions)', () => {
  it('a header-conditioned earlier match does not cover an unconditioned one', () => {
    expect(covers(http(prefix('/api', { headers: [header('x-env', 'canary')] })), http(exact('/api/x')))).toBe(false);
  });

  it('the covering match may only carry conditions the covered one has too, identical', () => {
    const later = http(exact('/api/x', { method: 'GET', headers: [header('x-env', 'canary'), header('x-b', '1')], queryParams: [header('q', 'v')] }));
    expect(covers(http(prefix('/api', { headers: [header('X-Env', 'canary')] })), later)).toBe(true);
    expect(covers(http(prefix('/api', { method: 'GET', queryParams: [header('q', 'v')] })), later)).toBe(true);
    expect(covers(http(prefix('/api', { headers: [header('x-env', 'Canary')] })), later)).toBe(false);
    expect(covers(http(prefix('/api', { queryParams: [header('Q', 'v')] })), later)).toBe(false);
    expect(covers(http(prefix('/api', { headers: [header('x-env', 'canary', 'RegularExpression')] })), later)).toBe(false);
  });

  it('a different method is never covered; no method covers any', () => {
    expect(covers(http(prefix('/', { method: 'POST' })), http(prefix('/', { method: 'GET' })))).toBe(false);
    expect(covers(http(prefix('/')), http(prefix('/', { method: 'GET' })))).toBe(true);
    expect(covers(http(prefix('/', { method: 'GET' })), http(prefix('/')))).toBe(false);
  });
});

describe('covers (gRPC)', () => {
  const method = (service: string | undefined, m: string | undefined, type: 'Exact' | 'RegularExpression' = 'Exact'): RouteMatchIR => ({
    grpc: { type, ...(service ? { service } : {}), ...(m ? { method: m } : {}) },
  });

  it('no method match covers all; a service covers its methods; a method covers it in every service', () => {
    expect(covers(grpc({}), grpc(method('pkg.Svc', 'Get')))).toBe(true);
    expect(covers(grpc(method('pkg.Svc', undefined)), grpc(method('pkg.Svc', 'Get')))).toBe(true);
    expect(covers(grpc(method(undefined, 'Get')), grpc(method('pkg.Svc', 'Get')))).toBe(true);
    expect(covers(grpc(method('pkg.Svc', 'Get')), grpc(method('pkg.Svc', 'Get')))).toBe(true);
  });

  it('never the other way round, nor across services, nor regular expressions unless identical', () => {
    expect(covers(grpc(method('pkg.Svc', 'Get')), grpc(method('pkg.Svc', undefined)))).toBe(false);
    expect(covers(grpc(method('pkg.Svc', undefined)), grpc(method('pkg.Other', 'Get')))).toBe(false);
    expect(covers(grpc(method('pkg.Svc', undefined)), grpc(method(undefined, 'Get')))).toBe(false);
    expect(covers(grpc(method('pkg\\..*', undefined, 'RegularExpression')), grpc(method('pkg.Svc', 'Get')))).toBe(false);
    expect(covers(grpc(method('pkg\\..*', undefined, 'RegularExpression')), grpc(method('pkg\\..*', undefined, 'RegularExpression')))).toBe(true);
  });

  it('never relates an HTTP match and a gRPC match', () => {
    expect(covers(http(prefix('/')), grpc({}))).toBe(false);
    expect(covers(grpc({}), http(prefix('/')))).toBe(false);
  });
});

/**
 * Soundness against the matching rules themselves: whenever `covers(a, b)`, every request `b` matches
 * is matched by `a`. A small matcher of its own (element-wise PathPrefix with the trailing slash ignored,
 * RE2-compatible full matches, case-insensitive header names, gRPC `/service/method` paths).
 */
describe('covers is sound (random matches and requests)', () => {
  interface Request {
    path: string;
    method: string;
    headers: Record<string, string>;
    query: Record<string, string>;
  }
  const full = (re: string, s: string) => new RegExp(`^(?:${re})$`).test(s);
  const strMatch = (m: { type: string; value: string }, v: string | undefined) => v !== undefined && (m.type === 'Exact' ? m.value === v : full(m.value, v));
  function matches(m: RouteMatchIR, grpc: boolean, r: Request): boolean {
    if (grpc) {
      const g = m.grpc;
      const [, service = '', method = '', ...rest] = r.path.split('/');
      if (rest.length > 0) return false;
      if (g?.type === 'Exact' && ((g.service && g.service !== service) || (g.method && g.method !== method))) return false;
      if (g?.type === 'RegularExpression' && ((g.service && !full(g.service, service)) || (g.method && !full(g.method, method)))) return false;
    } else {
      const p = m.path ?? { type: 'PathPrefix', value: '/' };
      const prefix = p.value.replace(/\/+$/, '');
      const pathOk = p.type === 'Exact' ? r.path === p.value : p.type === 'RegularExpression' ? full(p.value, r.path) : prefix === '' || r.path === prefix || r.path.startsWith(`${prefix}/`);
      if (!pathOk || (m.method && m.method !== r.method)) return false;
    }
    return (m.headers ?? []).every((h) => strMatch(h, r.headers[h.name.toLowerCase()])) && (m.queryParams ?? []).every((q) => strMatch(q, r.query[q.name]));
  }

  const paths = ['/', '/a', '/a/', '/ab', '/a//b', '/a/b/c', '/p.S/Get', '/p.T/Get', '/p.S/Put'];
  const condition = fc.record({ name: fc.constantFrom('x-a', 'X-A', 'q'), type: fc.constantFrom('Exact' as const, 'RegularExpression' as const), value: fc.constantFrom('1', '2', '[12]') });
  const match: fc.Arbitrary<RouteMatchIR> = fc.record(
    {
      path: fc.record({ type: fc.constantFrom('Exact' as const, 'PathPrefix' as const, 'RegularExpression' as const), value: fc.constantFrom(...paths, '/a/.*', '/p\\.S/.*') }),
      // Mostly absent, so that pairs often cover one another and the paths get tested.
      method: fc.constantFrom('GET', 'POST', undefined, undefined, undefined),
      headers: fc.array(condition, { maxLength: 2, size: 'xsmall' }),
      queryParams: fc.array(condition, { maxLength: 2, size: 'xsmall' }),
      grpc: fc.record({ type: fc.constantFrom('Exact' as const, 'RegularExpression' as const), service: fc.constantFrom('p.S', 'p.T', 'p\\..'), method: fc.constantFrom('Get', 'Put') }, { requiredKeys: ['type'] }),
    },
    { requiredKeys: [] },
  );
  const value = fc.option(fc.constantFrom('1', '2'), { nil: undefined });
  const request: fc.Arbitrary<Request> = fc.record({
    path: fc.constantFrom(...paths),
    method: fc.constantFrom('GET', 'POST'),
    headers: fc.record({ 'x-a': value }).map((h) => JSON.parse(JSON.stringify(h)) as Record<string, string>),
    query: fc.record({ q: value, 'x-a': value, 'X-A': value }).map((q) => JSON.parse(JSON.stringify(q)) as Record<string, string>),
  });

  it.each([false, true])('grpc=%s', (grpc) => {
    fc.assert(
      fc.property(match, match, fc.array(request, { minLength: 20, maxLength: 20 }), (a, b, requests) => {
        // The IR keeps one header and one query param match per name (route-rules.ts nameValueMatches).
        const dedupe = (m: RouteMatchIR): RouteMatchIR => ({
          ...m,
          headers: (m.headers ?? []).filter((h, i, all) => all.findIndex((x) => x.name.toLowerCase() === h.name.toLowerCase()) === i),
          queryParams: (m.queryParams ?? []).filter((h, i, all) => all.findIndex((x) => x.name === h.name) === i),
          ...(grpc ? { path: undefined, method: undefined } : { grpc: undefined }),
        });
        const [ma, mb] = [dedupe(a), dedupe(b)];
        if (!covers(matchShape(ma, grpc), matchShape(mb, grpc))) return;
        for (const r of requests) if (matches(mb, grpc, r)) expect(matches(ma, grpc, r)).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });
});
