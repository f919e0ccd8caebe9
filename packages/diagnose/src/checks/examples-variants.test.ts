/**
 * Broken variants of examples/ (the objects people start from): each breaks one link of the
 * Backend, TLS and BackendTLSPolicy checks the way it breaks in clusters — the wrong Service port,
 * readiness failing, a GRPCRoute's Service without h2c, the certificate expired or about to, a rule
 * shadowed by one added before it — and must produce that FAIL or WARN with its fix, while the
 * examples as shipped are all OK.
 */
import { X509Certificate } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseResources, type Resource } from '@portico/resources';
import type { Finding } from '../findings.js';
import { offlineInput } from '../offline-input.js';
import { checkBackendTLSPolicies } from './policies/backend-tls-policy.js';
import { checkBackends } from './backends/backend.js';
import { shadowingCheck } from './routes/shadowing.js';
import { checkTLS } from './tls/tls.js';
import { secretValue } from './tls/tls-secrets.js';

const EXAMPLES = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../examples');
const DAY_MS = 24 * 60 * 60 * 1000;

function examples(): Resource[] {
  return readdirSync(EXAMPLES)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .flatMap((f) => parseResources(readFileSync(join(EXAMPLES, f), 'utf8'), f, { kubernetesRules: 'warn' }).objects);
}

function find<K extends Resource['kind']>(objects: Resource[], kind: K, name: string): Extract<Resource, { kind: K }> {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) throw new Error(`examples/ has no ${kind} ${name}`);
  return found as Extract<Resource, { kind: K }>;
}

/** The examples' listener certificate, to judge it at times relative to its own dates. */
function exampleCertificate(objects: Resource[]): X509Certificate {
  return new X509Certificate(secretValue(find(objects, 'Secret', 'example-com-tls'), 'tls.crt')!);
}

function diagnose(objects: Resource[], now: Date): Finding[] {
  const input = offlineInput(objects, now);
  return [checkBackends, checkTLS, checkBackendTLSPolicies, shadowingCheck].flatMap((check) => check(input));
}

const problems = (findings: Finding[]) => findings.filter((f) => f.level !== 'OK');

describe('broken variants of examples/', () => {
  let objects: Resource[];
  let validNow: Date;
  beforeEach(() => {
    objects = examples();
    validNow = new Date(new Date(exampleCertificate(objects).validFrom).getTime() + DAY_MS);
  });

  it('finds nothing wrong with the examples as shipped', () => {
    const findings = diagnose(objects, validNow);
    expect(problems(findings)).toEqual([]);
    expect(findings.length).toBeGreaterThan(0);
  });

  it('wrong Service port: names the port the Service has', () => {
    find(objects, 'HTTPRoute', 'shop').spec.rules![3]!.backendRefs![0]!.port = 8080;
    expect(problems(diagnose(objects, validNow))).toEqual([
      expect.objectContaining({ level: 'FAIL', code: 'ServicePortNotFound', object: { kind: 'HTTPRoute', namespace: 'default', name: 'shop' }, field: 'spec.rules[3].backendRefs[0].port', fix: 'use port 80 (http)' }),
    ]);
  });

  it('readiness failing: predicts the 503', () => {
    for (const ep of find(objects, 'EndpointSlice', 'web-1').endpoints ?? []) ep.conditions = { ready: false, serving: false, terminating: false };
    // Service web serves the HTTPRoute's last rule and the Ingress alike.
    const found = problems(diagnose(objects, validNow));
    expect(found.map((f) => `${f.level} ${f.code} ${f.object.kind}/${f.object.name} ${f.field}`)).toEqual([
      'FAIL NoReadyEndpoints HTTPRoute/shop spec.rules[3].backendRefs[0]',
      'FAIL NoReadyEndpoints Ingress/blog spec.rules[0].http.paths[0].backend.service',
    ]);
    for (const f of found) expect(f.message).toMatch(/not ready: the Pods run but fail their readiness probe.*requests (of rule 3 )?get 503/);
  });

  it('a GRPCRoute whose Service port lost its h2c appProtocol', () => {
    delete find(objects, 'Service', 'greeter').spec.ports![0]!.appProtocol;
    expect(problems(diagnose(objects, validNow))).toEqual([
      expect.objectContaining({ level: 'WARN', code: 'GRPCBackendNotHTTP2', fix: 'set appProtocol: kubernetes.io/h2c on port 50051 of Service default/greeter' }),
    ]);
  });

  it('the certificate expired, or expires within 14 days', () => {
    const notAfter = new Date(exampleCertificate(objects).validTo).getTime();
    expect(problems(diagnose(objects, new Date(notAfter + DAY_MS)))).toEqual([
      expect.objectContaining({ level: 'FAIL', code: 'CertificateExpired', object: { kind: 'Gateway', namespace: 'default', name: 'demo' }, field: 'spec.listeners[1].tls.certificateRefs[0]' }),
    ]);
    expect(problems(diagnose(objects, new Date(notAfter - 5 * DAY_MS)))).toEqual([
      expect.objectContaining({ level: 'WARN', code: 'CertificateExpiresSoon', field: 'spec.listeners[1].tls.certificateRefs[0]' }),
    ]);
  });

  it('a plain /api rule added first shadows the old /api rule (not the canary one, whose header match ranks first)', () => {
    const shop = find(objects, 'HTTPRoute', 'shop');
    // Same route, same path, no conditions: rule order decides, for each hostname on each listener the
    // route serves (shop.example.com and localhost on http, shop.example.com on https).
    shop.spec.rules!.unshift({ matches: [{ path: { type: 'PathPrefix', value: '/api' } }], backendRefs: [{ name: 'web', port: 80 }] });
    const shadowed = problems(diagnose(objects, validNow)).filter((f) => f.link === 'Shadowing');
    expect(shadowed.map((f) => `${f.level} ${f.code} ${f.object.kind}/${f.object.name} ${f.field}`)).toEqual([
      'WARN ShadowedByRule HTTPRoute/shop spec.rules[2].matches[0]',
      'WARN ShadowedByRule HTTPRoute/shop spec.rules[2].matches[0]',
      'WARN ShadowedByRule HTTPRoute/shop spec.rules[2].matches[0]',
    ]);
    expect(shadowed.map((f) => f.message.match(/for hostname (\S+) on listener (\S+):/)?.slice(1).join(' ')).sort()).toEqual([
      'localhost http',
      'shop.example.com http',
      'shop.example.com https',
    ]);
    for (const f of shadowed) {
      expect(f.message).toMatch(/rule 0 match 0 \(PathPrefix \/api\)/);
      expect(f.fix).toMatch(/rule 0/);
    }
  });
});
