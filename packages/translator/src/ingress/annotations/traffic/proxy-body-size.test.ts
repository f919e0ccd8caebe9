import type { Ingress } from '@portico/resources';
import { parseIngressAnnotations } from '../registry.js';

function ingressWith(annotations: Record<string, string>): Ingress {
  return { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'i', namespace: 'n', annotations }, spec: {} } as Ingress;
}
const N = 'nginx.ingress.kubernetes.io/';
const limit = (value: string) => parseIngressAnnotations(ingressWith({ [`${N}proxy-body-size`]: value }));

describe('proxy-body-size', () => {
  it('reads nginx sizes: bytes, k/K, m/M, g/G', () => {
    expect(limit('1000').annotations.maxRequestBytes).toBe(1000);
    expect(limit('8k').annotations.maxRequestBytes).toBe(8192);
    expect(limit('8M').annotations.maxRequestBytes).toBe(8 * 1024 * 1024);
    expect(limit('1g').annotations.maxRequestBytes).toBe(1024 ** 3);
    expect(limit(' 2m ').problems).toEqual([]);
  });

  it('"0" disables the check: no limit, nothing reported', () => {
    expect(limit('0')).toEqual({ annotations: { regexPaths: false }, problems: [] });
  });

  it('keeps Envoy\'s uint32 bound, and says so', () => {
    const { annotations, problems } = limit('4g');
    expect(annotations.maxRequestBytes).toBe(4_294_967_295);
    expect(problems[0]!.message).toContain('above Envoy\'s largest body limit');
  });

  it('reports what is not a size and sets no limit', () => {
    for (const bad of ['8mb', '1.5m', '-1', 'm', '', '10t']) {
      const { annotations, problems } = limit(bad);
      expect(annotations.maxRequestBytes).toBeUndefined();
      expect(problems).toMatchObject([{ annotation: `${N}proxy-body-size`, reason: 'invalid' }]);
    }
  });
});
