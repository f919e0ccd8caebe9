import { compareIngressPaths, ingressPathMatch, samePathMatch, type IngressPathMatch } from './ingress-precedence.js';

const exact = (value: string): IngressPathMatch => ({ type: 'Exact', value });
const prefix = (value: string): IngressPathMatch => ({ type: 'PathPrefix', value });

function order(paths: IngressPathMatch[]): string[] {
  return [...paths].sort(compareIngressPaths).map((p) => `${p.type} ${p.value}`);
}

describe('compareIngressPaths (Ingress docs, "Multiple matches")', () => {
  test('the longest path goes first, whatever its type', () => {
    expect(order([prefix('/'), exact('/api'), prefix('/api/v1/users'), prefix('/api/v1')])).toEqual([
      'PathPrefix /api/v1/users',
      'PathPrefix /api/v1',
      'Exact /api',
      'PathPrefix /',
    ]);
  });

  test('a longer Prefix goes before a shorter Exact (unlike HTTPRoute, where every Exact goes first)', () => {
    expect(compareIngressPaths(prefix('/foo/bar'), exact('/foo'))).toBeLessThan(0);
    expect(compareIngressPaths(exact('/foo'), prefix('/foo/bar'))).toBeGreaterThan(0);
  });

  test('on equal length, Exact goes before Prefix', () => {
    expect(compareIngressPaths(exact('/foo'), prefix('/foo'))).toBeLessThan(0);
    expect(compareIngressPaths(prefix('/foo'), exact('/foo'))).toBeGreaterThan(0);
    expect(compareIngressPaths(exact('/abc'), prefix('/xyz'))).toBeLessThan(0);
  });

  test('equal length and type: no order (left to the age of the Ingresses)', () => {
    expect(compareIngressPaths(prefix('/abc'), prefix('/xyz'))).toBe(0);
    expect(compareIngressPaths(exact('/a'), exact('/a'))).toBe(0);
  });

  test('is a consistent ordering: antisymmetric over every pair', () => {
    const all = [exact('/'), prefix('/'), exact('/a'), prefix('/a'), exact('/ab'), prefix('/ab'), prefix('/abc')];
    for (const a of all) for (const b of all) expect(Math.sign(compareIngressPaths(a, b)) + Math.sign(compareIngressPaths(b, a))).toBe(0);
  });
});

describe('ingressPathMatch', () => {
  test('Exact stays Exact, as written', () => {
    expect(ingressPathMatch('Exact', '/foo/')).toEqual(exact('/foo/'));
  });

  test('Prefix becomes PathPrefix without its trailing slash (Prefix /aaa/bbb/ matches /aaa/bbb)', () => {
    expect(ingressPathMatch('Prefix', '/foo/')).toEqual(prefix('/foo'));
    expect(ingressPathMatch('Prefix', '/foo//')).toEqual(prefix('/foo'));
    expect(ingressPathMatch('Prefix', '/')).toEqual(prefix('/'));
  });

  test('ImplementationSpecific is treated as Prefix; without a path it is /', () => {
    expect(ingressPathMatch('ImplementationSpecific', '/impl/')).toEqual(prefix('/impl'));
    expect(ingressPathMatch('ImplementationSpecific', undefined)).toEqual(prefix('/'));
  });

  test('Prefix /foo and /foo/ are the same match; Exact /foo and Prefix /foo are not', () => {
    expect(samePathMatch(ingressPathMatch('Prefix', '/foo'), ingressPathMatch('Prefix', '/foo/'))).toBe(true);
    expect(samePathMatch(ingressPathMatch('Prefix', '/foo'), ingressPathMatch('ImplementationSpecific', '/foo'))).toBe(true);
    expect(samePathMatch(ingressPathMatch('Exact', '/foo'), ingressPathMatch('Prefix', '/foo'))).toBe(false);
  });
});
