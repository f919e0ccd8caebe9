import type { ConfigMap, Ingress } from '@portico/resources';
import { parseIngressAnnotations } from './annotations/registry.js';
import { ingressCustomHeaders } from './ingress-custom-headers.js';

const N = 'nginx.ingress.kubernetes.io/';
function parsed(value: string) {
  return parseIngressAnnotations({ apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'i', namespace: 'web', annotations: { [`${N}custom-headers`]: value } }, spec: {} } as Ingress);
}
const maps: Record<string, ConfigMap> = {
  'web/headers': { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'headers', namespace: 'web' }, data: { 'X-Frame-Options': 'DENY', 'X-A': '1', ':authority': 'x', 'X-Bad': 'a\nb' } } as ConfigMap,
  'other/headers': { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'headers', namespace: 'other' }, data: { 'X-Secret': 's' } } as ConfigMap,
};
const lookup = (ns: string, n: string) => maps[`${ns}/${n}`];

describe('custom-headers', () => {
  it('reads <namespace>/<configmap> or a bare name, and reports anything else', () => {
    expect(parsed('web/headers').annotations.customHeaders).toEqual({ namespace: 'web', name: 'headers' });
    expect(parsed('headers').annotations.customHeaders).toEqual({ name: 'headers' });
    for (const bad of ['a/b/c', '/x', 'UPPER', '']) {
      const { annotations, problems } = parsed(bad);
      expect(annotations.customHeaders).toBeUndefined();
      expect(problems).toMatchObject([{ annotation: `${N}custom-headers`, reason: 'invalid' }]);
    }
  });

  it('sets each key of the ConfigMap as a response header, sorted, leaving out what is not a settable header', () => {
    const { headers, problems } = ingressCustomHeaders(lookup, 'web', parsed('web/headers').annotations);
    expect(headers).toEqual({ set: [{ name: 'X-A', value: '1' }, { name: 'X-Frame-Options', value: 'DENY' }] });
    expect(problems).toHaveLength(2);
  });

  it('never reads a ConfigMap of another namespace, and reports a missing one', () => {
    expect(ingressCustomHeaders(lookup, 'web', parsed('other/headers').annotations)).toEqual({ problems: [expect.stringContaining('only a ConfigMap of the Ingress\'s namespace (web)')] });
    expect(ingressCustomHeaders(lookup, 'web', parsed('web/nope').annotations)).toEqual({ problems: [expect.stringContaining('no such ConfigMap')] });
  });
});
