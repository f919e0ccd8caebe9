/**
 * The TLS and BackendTLSPolicy links on a running server's views (`diagnose --admin`): Secrets carry
 * only their type and key names, the IR only certificate summaries. The inputs are built as the server
 * hands them out: translated with the data, then redacted as /debug/resources and /debug/ir do.
 */
import { redactIR, type GatewayIR } from '@portico/ir';
import { parseResources, ResourceSet, type Resource } from '@portico/resources';
import type { DiagnoseInput } from '../../findings.js';
import { offlineInput } from '../../offline-input.js';
import { checkBackendTLSPolicies } from '../policies/backend-tls-policy.js';
import { listenerCheck } from '../gateway/listeners.js';
import { REDACTED_KEYS_ANNOTATION } from './served-certificates.js';
import { checkTLS } from './tls.js';
import { caConfigMapYaml, testPem, tlsSecretYaml } from './test-certs.test-util.js';
import { GATEWAY, readySlice, service, TEST_NOW } from '../test-objects.test-util.js';

function redactSecret(object: Resource): Resource {
  if (object.kind !== 'Secret') return object;
  const { data, stringData, ...rest } = object;
  const keys = [...new Set([...Object.keys(data ?? {}), ...Object.keys(stringData ?? {})])].sort();
  return { ...rest, metadata: { ...object.metadata, annotations: { [REDACTED_KEYS_ANNOTATION]: keys.join(',') } } } as Resource;
}

function redactedInputOf(yaml: string): DiagnoseInput {
  const { objects } = parseResources(yaml, 'test.yaml', { kubernetesRules: 'warn' });
  const served = offlineInput(objects, TEST_NOW);
  const gateways = new Map([...served.translation.gateways].map(([key, ir]) => [key, JSON.parse(JSON.stringify(redactIR(ir))) as GatewayIR]));
  return {
    ...served,
    resources: ResourceSet.from((objects as Resource[]).map(redactSecret)),
    translation: { ...served.translation, gateways },
    secretDataRedacted: true,
  };
}

const HTTPS = (listener: string, tls = '') => `---
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: { name: portico }
spec: { controllerName: portico.dev/gateway-controller }
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: { name: eg, namespace: default }
spec:
  gatewayClassName: portico
  listeners:
  - ${listener}
${tls}`;
const LISTENER = (hostname: string, secret: string) => `{ name: https, protocol: HTTPS, port: 443, hostname: ${hostname}, tls: { certificateRefs: [{ name: ${secret} }] } }`;

const tlsSummary = (input: DiagnoseInput) => checkTLS(input).map((f) => `${f.level} ${f.code} ${f.field ?? ''}`.trim());

describe('checkTLS with redacted Secrets (diagnose --admin)', () => {
  it('judges a served certificate from the IR: OK, named by what the server loaded, with no key material', () => {
    const input = redactedInputOf(HTTPS(LISTENER('www.example.com', 'www')) + tlsSecretYaml('www', ['www.crt', 'intermediate.crt'], 'www.key'));
    const findings = checkTLS(input);
    expect(findings.map((f) => `${f.level} ${f.code} ${f.field}`)).toEqual(['OK CertificatesValid spec.listeners[0]']);
    expect(findings[0]!.message).toContain('the certificate the server loaded from Secret default/www (DNS www.example.com, example.com; notAfter 2027-01-01T00:00:00Z)');
    expect(JSON.stringify(findings)).not.toContain('BEGIN');
  });

  it('still tells expiry and names not covered, from the IR summaries', () => {
    expect(tlsSummary(redactedInputOf(HTTPS(LISTENER('www.example.com', 'soon')) + tlsSecretYaml('soon', ['expiring.crt'], 'expiring.key')))).toEqual([
      'WARN CertificateExpiresSoon spec.listeners[0].tls.certificateRefs[0]',
    ]);
    expect(tlsSummary(redactedInputOf(HTTPS(LISTENER('shop.example.com', 'www')) + tlsSecretYaml('www', ['www.crt', 'intermediate.crt'], 'www.key')))).toEqual([
      'FAIL CertificateNameMismatch spec.listeners[0].hostname',
    ]);
  });

  it('reports missing keys from the key names the server kept, and no FAIL for content it cannot see', () => {
    const noKey = `---
apiVersion: v1
kind: Secret
metadata: { name: www, namespace: default }
type: kubernetes.io/tls
stringData:
  tls.crt: |
${testPem('www.crt').trimEnd().split('\n').map((l) => `    ${l}`).join('\n')}
`;
    expect(tlsSummary(redactedInputOf(HTTPS(LISTENER('www.example.com', 'www')) + noKey))).toEqual(['FAIL SecretKeysMissing spec.listeners[0].tls.certificateRefs[0]']);
    // A key that does not fit: the translator did not load it (the listener's ResolvedRefs says why,
    // the Listener link reports it); the TLS link cannot see the PEM and says nothing wrong of its own.
    const mismatched = redactedInputOf(HTTPS(LISTENER('www.example.com', 'www')) + tlsSecretYaml('www', ['www.crt'], 'other.key'));
    expect(tlsSummary(mismatched)).toEqual([]);
    expect(listenerCheck(mismatched).filter((f) => f.level === 'FAIL').map((f) => `${f.code} ${f.field}`)).toEqual(['InvalidCertificateRef spec.listeners[0].tls.certificateRefs']);
    expect(tlsSummary(redactedInputOf(HTTPS(LISTENER('www.example.com', 'gone'))))).toEqual(['FAIL SecretNotFound spec.listeners[0].tls.certificateRefs[0]']);
  });

  it('judges ConfigMap CAs of client validation as ever, and a Secret CA by its key names only', () => {
    const tls = `  tls:
    frontend:
      default: { validation: { caCertificateRefs: [{ group: "", kind: ConfigMap, name: expired-ca }, { group: "", kind: Secret, name: ca }, { group: "", kind: Secret, name: not-a-ca }] } }
`;
    const caSecret = (name: string, key: string) => `---
apiVersion: v1
kind: Secret
metadata: { name: ${name}, namespace: default }
stringData:
  ${key}: |
${testPem('ca.crt').trimEnd().split('\n').map((l) => `    ${l}`).join('\n')}
`;
    const yaml = HTTPS(LISTENER('www.example.com', 'www'), tls) + tlsSecretYaml('www', ['www.crt', 'intermediate.crt'], 'www.key') + caConfigMapYaml('expired-ca', 'expired-ca.crt') + caSecret('ca', 'ca.crt') + caSecret('not-a-ca', 'root.pem');
    const findings = checkTLS(redactedInputOf(yaml));
    expect(findings.map((f) => `${f.level} ${f.code} ${f.field}`)).toEqual([
      'OK CertificatesValid spec.listeners[0]',
      'FAIL CertificateExpired spec.tls.frontend.default.validation.caCertificateRefs[0]',
      'OK ClientCAValid spec.tls.frontend.default.validation.caCertificateRefs[1]',
      'FAIL CACertificateMissing spec.tls.frontend.default.validation.caCertificateRefs[2]',
    ]);
    expect(findings[2]!.message).toContain('ca.crt of Secret default/ca (its contents are not shown by the server)');
    expect(findings[3]!.message).toContain('(it has root.pem)');
  });
});

describe('checkBackendTLSPolicies with redacted Secrets', () => {
  it('judges a ConfigMap CA (not redacted) in full', () => {
    const yaml = `${GATEWAY}---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: web, namespace: default }
spec:
  parentRefs: [{ name: eg, sectionName: http }]
  rules: [{ backendRefs: [{ name: web, port: 443 }] }]
---
apiVersion: gateway.networking.k8s.io/v1
kind: BackendTLSPolicy
metadata: { name: web, namespace: default }
spec:
  targetRefs: [{ group: "", kind: Service, name: web }]
  validation: { hostname: web.default.svc, caCertificateRefs: [{ group: "", kind: ConfigMap, name: ca }] }
${service('web', '[{ name: https, port: 443 }]')}${readySlice('web', 'https', 8443)}${caConfigMapYaml('ca', 'ca.crt')}`;
    const findings = checkBackendTLSPolicies(redactedInputOf(yaml));
    expect(findings.map((f) => `${f.gateway} ${f.level} ${f.code}`)).toEqual(['default/eg OK PolicyValid']);
    expect(findings[0]!.message).toContain('Diagnose Test Root CA');
  });
});
