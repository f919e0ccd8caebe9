import { listenerCheck } from './listeners.js';
import { CLASS, gatewayYaml, inputOf, routeYaml, summary } from '../chain.test-util.js';

const ROUTE = routeYaml('web', 'default', '  parentRefs: [{ name: eg }]\n  rules: [{ backendRefs: [{ name: web, port: 80 }] }]\n');

describe('listenerCheck', () => {
  it('is one OK per programmed listener with routes, counting them', () => {
    const findings = listenerCheck(inputOf(CLASS, gatewayYaml('eg', 'default', '  - { name: http, protocol: HTTP, port: 80 }\n'), ROUTE));
    expect(summary(findings)).toEqual(['OK Programmed']);
    expect(findings[0]).toMatchObject({ field: 'spec.listeners[0]', gateway: 'default/eg', message: 'listener http (HTTP :80) is programmed with 1 route attached' });
  });

  it('warns about a listener no route is attached to, with the parentRef to use', () => {
    const [finding] = listenerCheck(inputOf(CLASS, gatewayYaml('eg', 'default', '  - { name: http, protocol: HTTP, port: 80 }\n')));
    expect(finding).toMatchObject({ level: 'WARN', code: 'NoRoutesAttached' });
    expect(finding!.fix).toContain('{ name: eg, sectionName: http }');
  });

  it('fails both sides of a conflict, naming the other listener on the port', () => {
    const findings = listenerCheck(inputOf(CLASS, gatewayYaml('eg', 'default', '  - { name: a, protocol: HTTP, port: 80 }\n  - { name: b, protocol: HTTP, port: 80 }\n'), ROUTE));
    expect(summary(findings)).toEqual(['FAIL HostnameConflict', 'FAIL HostnameConflict']);
    expect(findings[0]!.fix).toContain('port 80 is also used by b (HTTP)');
  });

  it('fails an unsupported protocol on the protocol field', () => {
    const [finding] = listenerCheck(inputOf(CLASS, gatewayYaml('eg', 'default', '  - { name: s, protocol: SCTP, port: 80 }\n')));
    expect(finding).toMatchObject({ level: 'FAIL', code: 'UnsupportedProtocol', field: 'spec.listeners[0].protocol' });
  });

  it('warns about route kinds a listener cannot carry, and fails when it carries none', () => {
    const some = gatewayYaml('eg', 'default', '  - { name: h, protocol: HTTP, port: 80, allowedRoutes: { kinds: [{ kind: HTTPRoute }, { kind: UDPRoute }] } }\n');
    expect(summary(listenerCheck(inputOf(CLASS, some, ROUTE)))).toEqual(['WARN InvalidRouteKinds']);
    const none = gatewayYaml('eg', 'default', '  - { name: h, protocol: HTTP, port: 80, allowedRoutes: { kinds: [{ kind: UDPRoute }] } }\n');
    const findings = listenerCheck(inputOf(CLASS, none));
    expect(summary(findings)).toEqual(['FAIL InvalidRouteKinds']);
    expect(findings[0]!.field).toBe('spec.listeners[0].allowedRoutes.kinds');
  });

  it('fails a certificateRef that does not resolve, on the certificateRefs field', () => {
    const gw = gatewayYaml('eg', 'default', '  - { name: https, protocol: HTTPS, port: 443, tls: { certificateRefs: [{ name: missing }] } }\n');
    const [finding] = listenerCheck(inputOf(CLASS, gw));
    expect(finding).toMatchObject({ level: 'FAIL', code: 'InvalidCertificateRef', field: 'spec.listeners[0].tls.certificateRefs' });
    expect(finding!.message).toContain('Secret default/missing does not exist');
  });
});
