/** The sortable keys of precedence.ts order routes exactly as its comparators do. */
import fc from 'fast-check';
import type { RouteMatchIR } from '@portico/ir';
import { compareAge, compareCreationTimestamps } from '../context.js';
import { compareGRPCMatches, compareHTTPMatches, compareOrigins, grpcMatchKey, httpMatchKey, originKey, type RouteOrigin } from './precedence.js';

const sign = (n: number) => Math.sign(n);
const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

const match: fc.Arbitrary<RouteMatchIR> = fc.record(
  {
    path: fc.record({ type: fc.constantFrom('Exact' as const, 'PathPrefix' as const, 'RegularExpression' as const), value: fc.string({ maxLength: 12 }) }),
    method: fc.constantFrom('GET', 'POST'),
    headers: fc.array(fc.constant({ type: 'Exact' as const, name: 'x', value: 'y' }), { maxLength: 3 }),
    queryParams: fc.array(fc.constant({ type: 'Exact' as const, name: 'q', value: 'v' }), { maxLength: 3 }),
    grpc: fc.record({ service: fc.string({ maxLength: 6 }), method: fc.string({ maxLength: 6 }) }, { requiredKeys: [] }),
  },
  { requiredKeys: [] },
) as fc.Arbitrary<RouteMatchIR>;

const timestamp = fc.oneof(
  fc.constant(''),
  fc.constant('not a time'),
  fc.date({ min: new Date('1970-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString().replace(/\.\d{3}Z$/, 'Z')),
  fc.date({ min: new Date('1970-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString().replace('Z', '+00:00')),
);
const origin: fc.Arbitrary<RouteOrigin> = fc.record({
  creationTimestamp: timestamp,
  key: fc.constantFrom('default/a', 'default/ab', 'default/b', 'other/a'),
  rule: fc.nat({ max: 20 }),
  match: fc.nat({ max: 20 }),
});

describe('precedence keys', () => {
  it('HTTP and gRPC match keys order as the comparators', () => {
    fc.assert(fc.property(match, match, (a, b) => {
      expect(sign(cmp(httpMatchKey(a), httpMatchKey(b)))).toBe(sign(compareHTTPMatches(a, b)));
      expect(sign(cmp(grpcMatchKey(a), grpcMatchKey(b)))).toBe(sign(compareGRPCMatches(a, b)));
    }), { numRuns: 2000 });
  });

  it('origin keys order as compareOrigins', () => {
    fc.assert(fc.property(origin, origin, (a, b) => {
      expect(sign(cmp(originKey(a), originKey(b)))).toBe(sign(compareOrigins(a, b)));
    }), { numRuns: 2000 });
  });

  it('compareAge (by ageKey) orders by instant, then namespace/name', () => {
    const aged = fc.record({ metadata: fc.record({ creationTimestamp: timestamp, namespace: fc.constantFrom('a', 'b'), name: fc.constantFrom('x', 'xy', 'y') }) });
    fc.assert(fc.property(aged, aged, (a, b) => {
      const byTime = compareCreationTimestamps(a.metadata.creationTimestamp, b.metadata.creationTimestamp);
      const byName = cmp(`${a.metadata.namespace}/${a.metadata.name}`, `${b.metadata.namespace}/${b.metadata.name}`);
      expect(sign(compareAge(a, b))).toBe(sign(byTime || byName));
    }), { numRuns: 2000 });
  });
});
