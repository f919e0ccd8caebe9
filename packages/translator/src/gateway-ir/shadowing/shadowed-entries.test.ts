/** The indexed sweep finds exactly what comparing every pair would, and names the earliest winner. */
import fc from 'fast-check';
import type { RouteMatchIR } from '@portico/ir';
import type { RouteEntry } from '../../routes/translated-route.js';
import { covers, matchShape } from './match-cover.js';
import { explainPrecedence } from './precedence-steps.js';
import { findShadowedEntries, type PlacedEntry } from './shadowed-entries.js';

let counter = 0;
function placed(match: RouteMatchIR, options: { grpc?: boolean; key?: string; created?: string; rule?: number; behind?: string } = {}): PlacedEntry {
  const [namespace, name] = (options.key ?? `default/r${counter++}`).split('/') as [string, string];
  const grpc = options.grpc ?? false;
  const rule = options.rule ?? 0;
  const entry: RouteEntry = {
    ir: { name: `${namespace}/${name}/${rule}`, source: { kind: grpc ? 'GRPCRoute' : 'HTTPRoute', namespace, name, rule, match: 0 }, match, directResponse: { status: 200 } },
    origin: { creationTimestamp: options.created ?? '', key: `${namespace}/${name}`, rule, match: 0 },
    grpc,
  };
  return { entry, behind: options.behind ?? '*' };
}

const prefix = (value: string, rest: Partial<RouteMatchIR> = {}): RouteMatchIR => ({ path: { type: 'PathPrefix', value }, ...rest });
const exact = (value: string, rest: Partial<RouteMatchIR> = {}): RouteMatchIR => ({ path: { type: 'Exact', value }, ...rest });

describe('findShadowedEntries', () => {
  it('reports the later match an earlier one covers, with the earliest winner', () => {
    const a = placed(prefix('/api'), { behind: 'a.example.com' });
    const b = placed(prefix('/'), { behind: 'a.example.com' });
    const c = placed(exact('/api/x'));
    const found = findShadowedEntries([a, b, c]);
    expect(found).toEqual([{ shadowed: c, by: a, equivalent: false }]);
  });

  it('does not report a match whose earlier rival has a header condition it lacks', () => {
    const a = placed(prefix('/api', { headers: [{ name: 'x-env', type: 'Exact', value: 'canary' }] }), { behind: 'a.example.com' });
    expect(findShadowedEntries([a, placed(exact('/api/x'))])).toEqual([]);
  });

  it('does not report matches that differ by method, nor /ab before /abc', () => {
    expect(findShadowedEntries([placed(prefix('/', { method: 'POST' })), placed(prefix('/', { method: 'GET' }))])).toEqual([]);
    expect(findShadowedEntries([placed(prefix('/ab'), { behind: 'x.com' }), placed(prefix('/abc'))])).toEqual([]);
  });

  it('does not prove regular expressions unless identical', () => {
    const re = (v: string): RouteMatchIR => ({ path: { type: 'RegularExpression', value: v } });
    expect(findShadowedEntries([placed(re('/api/.*')), placed(exact('/api/x'))])).toEqual([]);
    const [first, second] = [placed(re('/api/.*')), placed(re('/api/.*'))];
    expect(findShadowedEntries([first, second])).toEqual([{ shadowed: second, by: first, equivalent: true }]);
  });

  it('serves an entry listed twice once: it never shadows itself', () => {
    const a = placed(prefix('/'));
    expect(findShadowedEntries([a, a])).toEqual([]);
  });

  it('finds the cover by lookup among thousands of condition sets on one path', () => {
    const tenant = (i: number, extra: { name: string; type: 'Exact'; value: string }[] = []) =>
      placed(prefix('/', { headers: [{ name: 'x-tenant', type: 'Exact', value: `t${i}` }, ...extra] }));
    const table = Array.from({ length: 3000 }, (_, i) => tenant(i));
    const few = tenant(1500, [{ name: 'x-a', type: 'Exact', value: '1' }]);
    // Seven conditions: more than are enumerated by subset, so the sets under `/` are scanned.
    const many = tenant(7, ['a', 'b', 'c', 'd', 'e', 'f'].map((n) => ({ name: `x-${n}`, type: 'Exact' as const, value: '1' })));
    const found = findShadowedEntries([...table, few, many, placed(prefix('/api', { headers: [{ name: 'x-tenant', type: 'Exact', value: 'none' }] }))]);
    expect(found.map(({ shadowed, by }) => [shadowed, by])).toEqual([
      [few, table[1500]],
      [many, table[7]],
    ]);
  });

  it('finds what comparing every pair finds (random tables)', () => {
    const condition = fc.record({ name: fc.constantFrom('x-a', 'X-A', 'x-b', 'q'), type: fc.constantFrom('Exact' as const, 'RegularExpression' as const), value: fc.constantFrom('1', '2') });
    const httpMatch: fc.Arbitrary<RouteMatchIR> = fc.record(
      {
        path: fc.record({ type: fc.constantFrom('Exact' as const, 'PathPrefix' as const, 'RegularExpression' as const), value: fc.constantFrom('/', '/a', '/a/', '/a/b', '/ab', '/a//b', '/a/b/c') }),
        method: fc.constantFrom('GET', 'POST'),
        headers: fc.array(condition, { maxLength: 4 }),
        queryParams: fc.array(condition, { maxLength: 4 }),
      },
      { requiredKeys: [] },
    );
    const grpcMatch: fc.Arbitrary<RouteMatchIR> = fc.record(
      {
        grpc: fc.record({ type: fc.constantFrom('Exact' as const, 'RegularExpression' as const), service: fc.constantFrom('p.S', 'p.T'), method: fc.constantFrom('Get', 'Put') }, { requiredKeys: ['type'] }),
        headers: fc.array(condition, { maxLength: 2 }),
      },
      { requiredKeys: [] },
    );
    const table = fc.array(fc.oneof(httpMatch.map((m) => placed(m)), grpcMatch.map((m) => placed(m, { grpc: true }))), { maxLength: 25 });
    fc.assert(
      fc.property(table, (ordered) => {
        const shape = (p: PlacedEntry) => matchShape(p.entry.ir.match, p.entry.grpc);
        const expected = ordered.flatMap((later, i) => {
          const j = ordered.findIndex((earlier, k) => k < i && covers(shape(earlier), shape(later)));
          return j < 0 ? [] : [{ shadowed: later, by: ordered[j]! }];
        });
        expect(findShadowedEntries(ordered).map(({ shadowed, by }) => ({ shadowed, by }))).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });
});

describe('explainPrecedence', () => {
  it('names the route hostname step', () => {
    const { step, text } = explainPrecedence(placed(prefix('/'), { behind: 'a.example.com' }), placed(prefix('/'), { behind: '*.example.com' }));
    expect(step).toBe('RouteHostname');
    expect(text).toBe('route hostname: a.example.com is more specific than *.example.com (decides)');
  });

  it('walks the ties down to age, then namespace/name, then rule order', () => {
    const older = explainPrecedence(placed(prefix('/x'), { key: 'b/old', created: '2024-01-01T00:00:00Z' }), placed(prefix('/x'), { key: 'a/new', created: '2025-01-01T00:00:00Z' }));
    expect(older).toEqual({
      step: 'CreationTimestamp',
      text: 'route hostname: tie (*); match precedence: tie; creationTimestamp: 2024-01-01T00:00:00Z before 2025-01-01T00:00:00Z (decides)',
    });
    const byName = explainPrecedence(placed(prefix('/x'), { key: 'a/one', created: '2024-01-01T00:00:00Z' }), placed(prefix('/x'), { key: 'a/two', created: '2024-01-01T00:00:00Z' }));
    expect(byName.step).toBe('NamespaceName');
    const byRule = explainPrecedence(placed(prefix('/x'), { key: 'a/one', rule: 0 }), placed(prefix('/x'), { key: 'a/one', rule: 2 }));
    expect(byRule).toEqual({ step: 'RuleOrder', text: 'route hostname: tie (*); match precedence: tie; same route; rule order: rule 0 before rule 2 (decides)' });
  });

  it('names the match criterion that decided (a trailing slash makes a PathPrefix longer)', () => {
    const { step } = explainPrecedence(placed(prefix('/api/')), placed(prefix('/api')));
    expect(step).toBe('PathLength');
  });
});
