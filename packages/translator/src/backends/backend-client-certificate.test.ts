/**
 * The Gateway's backend client certificate rides on that gateway's copy of each TLS backend: it must
 * survive the EndpointSlice fast path (endpoint-update.ts), and a translation that changes nothing
 * must hand out the same copies (the xDS side reuses clusters by identity).
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseResources, ResourceSet, type KubeObject } from '@portico/resources';
import { translateEndpointChange } from '../endpoint-update.js';
import { translate } from '../translate.js';
import { createTranslationCache } from '../translation-cache.js';

const INPUT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../testdata/translator/gateway-backend-client-certificate.in.yaml');
const now = new Date(0);

function slice(address: string): KubeObject {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: 'secure-1', namespace: 'default', labels: { 'kubernetes.io/service-name': 'secure' } },
    addressType: 'IPv4',
    ports: [{ name: 'https', port: 8443 }],
    endpoints: [{ addresses: [address], conditions: { ready: true } }],
  } as unknown as KubeObject;
}

const secureBackend = (result: ReturnType<typeof translate>, gateway: string) => result.gateways.get(gateway)!.backends.find((b) => b.name.startsWith('default/secure/'))!;

describe('backend client certificate', () => {
  const objects = parseResources(readFileSync(INPUT, 'utf8'), INPUT).objects as KubeObject[];

  it('is kept by the EndpointSlice fast path, for its gateway only', () => {
    const cache = createTranslationCache();
    const before = translate(ResourceSet.from([...objects, slice('10.0.0.1')] as never), { now, cache });
    expect(secureBackend(before, 'default/client-cert').tls?.clientCertificate?.secret).toBe('default/example.com-tls');
    const changed = ResourceSet.from([...objects, slice('10.0.0.2')] as never);
    const fast = translateEndpointChange(before, changed, { now, cache }, [{ namespace: 'default', name: 'secure-1' }]);
    expect(fast).toEqual(translate(changed, { now }));
    expect(secureBackend(fast, 'default/client-cert').endpoints.map((e) => e.address)).toEqual(['10.0.0.2']);
    expect(secureBackend(fast, 'default/client-cert').tls?.clientCertificate?.secret).toBe('default/example.com-tls');
    expect(secureBackend(fast, 'default/plain').tls?.clientCertificate).toBeUndefined();
  });

  it('hands out the same backend copy when nothing changed', () => {
    const cache = createTranslationCache();
    const first = translate(ResourceSet.from(objects as never), { now, cache });
    const second = translate(ResourceSet.from(objects as never), { now, cache });
    expect(secureBackend(second, 'default/client-cert')).toBe(secureBackend(first, 'default/client-cert'));
  });
});
