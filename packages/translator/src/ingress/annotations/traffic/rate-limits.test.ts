import type { Ingress } from '@portico/resources';
import { parseIngressAnnotations } from '../registry.js';

function ingressWith(annotations: Record<string, string>): Ingress {
  return { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'i', namespace: 'n', annotations }, spec: {} } as Ingress;
}
const N = 'nginx.ingress.kubernetes.io/';

describe('limit-rps / limit-rpm', () => {
  it('limits each client address: burst = rate × 5 (+ the request that starts it, as nginx nodelay admits), 503, no headers', () => {
    const { annotations, problems } = parseIngressAnnotations(ingressWith({ [`${N}limit-rps`]: '4' }));
    expect(problems).toEqual([]);
    expect(annotations.rateLimit).toEqual({ rules: [{ requests: 4, windowSeconds: 1, burst: 21, sourceIP: true }], responseHeaders: false, status: 503 });
  });

  it('applies both limits with the multiplier given', () => {
    const { annotations } = parseIngressAnnotations(ingressWith({ [`${N}limit-rps`]: '1', [`${N}limit-rpm`]: '30', [`${N}limit-burst-multiplier`]: '2' }));
    expect(annotations.rateLimit?.rules).toEqual([
      { requests: 1, windowSeconds: 1, burst: 3, sourceIP: true },
      { requests: 30, windowSeconds: 60, burst: 61, sourceIP: true },
    ]);
  });

  it('reports a value that is not a whole number above 0 and sets no limit', () => {
    for (const bad of ['0', '-1', '1.5', 'ten', '', '99999999999']) {
      const { annotations, problems } = parseIngressAnnotations(ingressWith({ [`${N}limit-rps`]: bad }));
      expect(annotations.rateLimit).toBeUndefined();
      expect(problems).toMatchObject([{ annotation: `${N}limit-rps`, reason: 'invalid' }]);
      expect(problems[0]!.message).toContain('no limit-rps limit is set');
    }
  });

  it('falls back to multiplier 5 on a bad multiplier, as ingress-nginx does', () => {
    const { annotations, problems } = parseIngressAnnotations(ingressWith({ [`${N}limit-rps`]: '2', [`${N}limit-burst-multiplier`]: '0' }));
    expect(annotations.rateLimit?.rules[0]!.burst).toBe(11);
    expect(problems[0]!.message).toContain('the default multiplier 5 applies');
  });

  it('keeps the bucket within Envoy\'s uint32 max_tokens', () => {
    const { annotations } = parseIngressAnnotations(ingressWith({ [`${N}limit-rps`]: '1000000', [`${N}limit-burst-multiplier`]: '1000000' }));
    expect(annotations.rateLimit?.rules[0]!.burst).toBe(4_294_967_295);
  });

  it('reports limit-whitelist as unsupported and still limits', () => {
    const { annotations, problems } = parseIngressAnnotations(ingressWith({ [`${N}limit-rps`]: '2', [`${N}limit-whitelist`]: '10.0.0.0/8' }));
    expect(annotations.rateLimit).toBeDefined();
    expect(problems).toMatchObject([{ annotation: `${N}limit-whitelist`, reason: 'unsupported' }]);
  });

  it('ignores the limits of a canary Ingress (reported)', () => {
    const { annotations, problems } = parseIngressAnnotations(ingressWith({ [`${N}canary`]: 'true', [`${N}limit-rps`]: '2' }));
    expect(annotations.rateLimit).toBeUndefined();
    expect(problems[0]!.message).toContain('ignored on a canary Ingress');
  });
});
