import { referenceGrantCheck } from './reference-grants.js';
import { CLASS, gatewayYaml, inputOf, routeYaml, summary } from '../chain.test-util.js';
import { parse } from 'yaml';

const GW = gatewayYaml('eg', 'apps', '  - { name: http, protocol: HTTP, port: 80 }\n');
const ROUTE = routeYaml('web', 'apps', '  parentRefs: [{ name: eg }]\n  rules: [{ backendRefs: [{ name: web, namespace: backends, port: 80 }] }]\n');
const GRANT = `apiVersion: gateway.networking.k8s.io/v1beta1
kind: ReferenceGrant
metadata: { name: g, namespace: backends }
spec:
  from: [{ group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: apps }]
  to: [{ group: "", kind: Service }]
`;

describe('referenceGrantCheck', () => {
  it('fails a cross-namespace backendRef without a grant; its fix is a ReferenceGrant that allows exactly it', () => {
    const [finding] = referenceGrantCheck(inputOf(CLASS, GW, ROUTE));
    expect(finding).toMatchObject({ level: 'FAIL', code: 'RefNotPermitted', gateway: 'apps/eg', field: 'spec.rules[0].backendRefs[0]' });
    const yaml = finding!.fix!.split('\n').slice(1).join('\n');
    const grant = parse(yaml);
    expect(grant).toEqual({
      apiVersion: 'gateway.networking.k8s.io/v1beta1',
      kind: 'ReferenceGrant',
      metadata: { name: 'apps-httproute-to-service-web', namespace: 'backends' },
      spec: { from: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace: 'apps' }], to: [{ group: '', kind: 'Service', name: 'web' }] },
    });
    // Applying the fix makes the finding go away.
    expect(summary(referenceGrantCheck(inputOf(CLASS, GW, ROUTE, yaml)))).toEqual(['OK RefPermitted']);
  });

  it('is one OK per referrer when a grant allows its references', () => {
    const findings = referenceGrantCheck(inputOf(CLASS, GW, ROUTE, GRANT));
    expect(summary(findings)).toEqual(['OK RefPermitted']);
    expect(findings[0]!.message).toContain('Service backends/web');
  });

  it('says nothing about same-namespace references', () => {
    const local = routeYaml('web', 'apps', '  parentRefs: [{ name: eg }]\n  rules: [{ backendRefs: [{ name: web, port: 80 }] }]\n');
    expect(referenceGrantCheck(inputOf(CLASS, GW, local))).toEqual([]);
  });

  it('fails a listener certificateRef into another namespace, from the Gateway', () => {
    const gw = gatewayYaml('eg', 'infra', '  - { name: https, protocol: HTTPS, port: 443, tls: { certificateRefs: [{ name: cert, namespace: certs }] } }\n');
    const [finding] = referenceGrantCheck(inputOf(CLASS, gw));
    expect(finding).toMatchObject({ level: 'FAIL', object: { kind: 'Gateway', namespace: 'infra', name: 'eg' }, field: 'spec.listeners[0].tls.certificateRefs[0]' });
    expect(finding!.fix).toContain('kind: Gateway\n    namespace: infra');
    expect(finding!.fix).toContain('kind: Secret\n    name: cert');
  });

  it('ignores routes that are not attached to one of our Gateways', () => {
    const orphan = routeYaml('web', 'apps', '  parentRefs: [{ name: nowhere }]\n  rules: [{ backendRefs: [{ name: web, namespace: backends, port: 80 }] }]\n');
    expect(referenceGrantCheck(inputOf(CLASS, GW, orphan))).toEqual([]);
  });
});
