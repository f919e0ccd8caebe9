import { unusedGrantCheck } from './unused-grants.js';
import { CLASS, gatewayYaml, inputOf, routeYaml, summary } from '../chain.test-util.js';

const grant = (kind: string, namespace = 'apps') => `apiVersion: gateway.networking.k8s.io/v1beta1
kind: ReferenceGrant
metadata: { name: g, namespace: backends }
spec:
  from: [{ group: gateway.networking.k8s.io, kind: ${kind}, namespace: ${namespace} }]
  to: [{ group: "", kind: Service }]
`;
const ROUTE = routeYaml('web', 'apps', '  parentRefs: [{ name: eg }]\n  rules: [{ backendRefs: [{ name: web, namespace: backends, port: 80 }] }]\n');
const GW = gatewayYaml('eg', 'apps', '  - { name: http, protocol: HTTP, port: 80 }\n');

describe('unusedGrantCheck', () => {
  it('says nothing about a grant a reference goes through', () => {
    expect(unusedGrantCheck(inputOf(CLASS, GW, ROUTE, grant('HTTPRoute')))).toEqual([]);
  });

  it('warns about a grant nothing refers through, class-wide', () => {
    for (const unused of [grant('GRPCRoute'), grant('HTTPRoute', 'other')]) {
      const findings = unusedGrantCheck(inputOf(CLASS, GW, ROUTE, unused));
      expect(summary(findings)).toEqual(['WARN UnusedReferenceGrant']);
      expect(findings[0]).toMatchObject({ object: { kind: 'ReferenceGrant', namespace: 'backends', name: 'g' } });
      expect(findings[0]!.gateway).toBeUndefined();
    }
  });

  it('counts the references of routes of any controller, not only ours', () => {
    const orphan = routeYaml('web', 'apps', '  parentRefs: [{ name: someone-elses }]\n  rules: [{ backendRefs: [{ name: web, namespace: backends, port: 80 }] }]\n');
    expect(unusedGrantCheck(inputOf(CLASS, orphan, grant('HTTPRoute')))).toEqual([]);
  });
});
