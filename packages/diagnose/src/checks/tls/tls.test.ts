import { checkTLS } from './tls.js';
import { caConfigMapYaml, tlsSecretYaml } from './test-certs.test-util.js';
import { inputOf, readySlice, service } from '../test-objects.test-util.js';

const CLASS = `apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: { name: portico }
spec: { controllerName: portico.dev/gateway-controller }
`;

const gateway = (listener: string, tls = '') => `---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: { name: eg, namespace: default }
spec:
  gatewayClassName: portico
  listeners:
  - ${listener}
${tls}`;

const summary = (yaml: string) => checkTLS(inputOf(CLASS + yaml)).map((f) => `${f.level} ${f.code} ${f.object.kind} ${f.field ?? ''}`.trim());

describe('checkTLS', () => {
  it('gives one OK per healthy listener', () => {
    const yaml = gateway('{ name: https, protocol: HTTPS, port: 443, hostname: www.example.com, tls: { certificateRefs: [{ name: www }] } }') + tlsSecretYaml('www', ['www.crt', 'intermediate.crt'], 'www.key');
    expect(summary(yaml)).toEqual(['OK CertificatesValid Gateway spec.listeners[0]']);
  });

  it('judges the certificates of a listener together: one of them covering the hostname is enough', () => {
    const listener = '{ name: https, protocol: HTTPS, port: 443, hostname: www.example.com, tls: { certificateRefs: [{ name: a }, { name: b }] } }';
    const yaml = gateway(listener) + tlsSecretYaml('a', ['www.crt', 'intermediate.crt'], 'www.key') + tlsSecretYaml('b', ['expiring.crt'], 'expiring.key');
    expect(summary(yaml)).toEqual(['WARN CertificateExpiresSoon Gateway spec.listeners[0].tls.certificateRefs[1]']);
  });

  it('leaves certificateRefs across namespaces without a grant to the ReferenceGrant link', () => {
    const yaml = gateway('{ name: https, protocol: HTTPS, port: 443, tls: { certificateRefs: [{ name: www, namespace: certs }] } }');
    expect(summary(yaml)).toEqual([]);
  });

  it('checks the client certificate towards backends and the CAs of client validation', () => {
    const tls = `  tls:
    backend: { clientCertificateRef: { name: client } }
    frontend:
      default: { validation: { caCertificateRefs: [{ group: "", kind: ConfigMap, name: client-ca }, { group: "", kind: ConfigMap, name: gone }] } }
`;
    const yaml =
      gateway('{ name: https, protocol: HTTPS, port: 443, hostname: www.example.com, tls: { certificateRefs: [{ name: www }] } }', tls) +
      tlsSecretYaml('www', ['www.crt', 'intermediate.crt'], 'www.key') +
      tlsSecretYaml('client', ['expired.crt'], 'expired.key') +
      caConfigMapYaml('client-ca', 'ca.crt');
    expect(summary(yaml)).toEqual([
      'OK CertificatesValid Gateway spec.listeners[0]',
      'FAIL CertificateExpired Gateway spec.tls.backend.clientCertificateRef',
      'OK ClientCAValid Gateway spec.tls.frontend.default.validation.caCertificateRefs[0]',
      'FAIL CACertificateRefNotFound Gateway spec.tls.frontend.default.validation.caCertificateRefs[1]',
    ]);
  });

  it('checks Ingress TLS entries: their Secrets and hosts', () => {
    const ingress = `---
apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata: { name: portico }
spec: { controller: portico.dev/ingress-controller }
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: { name: web, namespace: default }
spec:
  ingressClassName: portico
  tls:
  - { hosts: [www.example.com, shop.example.com], secretName: www }
  - { hosts: [api.example.com] }
  rules:
  - host: www.example.com
    http: { paths: [{ path: /, pathType: Prefix, backend: { service: { name: web, port: { number: 80 } } } }] }
`;
    const findings = checkTLS(inputOf(ingress + tlsSecretYaml('www', ['www.crt', 'intermediate.crt'], 'www.key') + service('web', '[{ port: 80 }]') + readySlice('web', '', 80)));
    expect(findings.map((f) => `${f.gateway} ${f.level} ${f.code} ${f.field}`)).toEqual([
      'ingressclass/portico FAIL CertificateNameMismatch spec.tls[0].hosts',
      'ingressclass/portico WARN IngressTLSWithoutSecret spec.tls[1].secretName',
    ]);
    expect(findings[0]!.message).toContain('does not cover shop.example.com');
  });

  it('checks the listeners of an accepted ListenerSet, against the hostnames of the routes attached to them', () => {
    const yaml = `---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: { name: eg, namespace: default }
spec:
  gatewayClassName: portico
  allowedListeners: { namespaces: { from: Same } }
  listeners:
  - { name: http, protocol: HTTP, port: 80 }
---
apiVersion: gateway.networking.k8s.io/v1
kind: ListenerSet
metadata: { name: shop, namespace: default }
spec:
  parentRef: { name: eg }
  listeners:
  - { name: https, protocol: HTTPS, port: 443, tls: { certificateRefs: [{ name: www }] } }
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: shop, namespace: default }
spec:
  parentRefs: [{ kind: ListenerSet, name: shop }]
  hostnames: [www.example.com, shop.example.com]
  rules: [{ backendRefs: [{ name: web, port: 80 }] }]
`;
    const findings = checkTLS(inputOf(CLASS + yaml + tlsSecretYaml('www', ['www.crt', 'intermediate.crt'], 'www.key') + service('web', '[{ port: 80 }]') + readySlice('web', '', 80)));
    expect(findings.map((f) => `${f.gateway} ${f.level} ${f.code} ${f.object.kind}/${f.object.name} ${f.field}`)).toEqual([
      'default/eg FAIL CertificateNameMismatch ListenerSet/shop spec.listeners[0].tls.certificateRefs',
    ]);
    expect(findings[0]!.message).toContain('covers shop.example.com, a hostname of its routes');
  });
});
