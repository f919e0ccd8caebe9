import { gatewayClassCheck } from './gateway-class.js';
import { CLASS, gatewayYaml, inputOf, summary } from '../chain.test-util.js';

const LISTENER = '  - { name: http, protocol: HTTP, port: 80 }\n';

describe('gatewayClassCheck', () => {
  it('reports an accepted class of ours once per Gateway using it', () => {
    const findings = gatewayClassCheck(inputOf(CLASS, gatewayYaml('a', 'default', LISTENER), gatewayYaml('b', 'default', LISTENER)));
    expect(findings.map((f) => `${f.gateway} ${f.level} ${f.code}`)).toEqual(['default/a OK Accepted', 'default/b OK Accepted']);
  });

  it('reports an unused class of ours class-wide', () => {
    const [finding] = gatewayClassCheck(inputOf(CLASS));
    expect(finding).toMatchObject({ level: 'OK', object: { kind: 'GatewayClass', name: 'portico' } });
    expect(finding!.gateway).toBeUndefined();
  });

  it('fails a class with parametersRef, with the field and the fix', () => {
    const cls = CLASS.replace('spec: { controllerName: portico.dev/gateway-controller }', 'spec: { controllerName: portico.dev/gateway-controller, parametersRef: { group: example.com, kind: Config, name: x } }');
    const [finding] = gatewayClassCheck(inputOf(cls, gatewayYaml('a', 'default', LISTENER)));
    expect(finding).toMatchObject({ level: 'FAIL', code: 'InvalidParameters', field: 'spec.parametersRef', gateway: 'default/a' });
    expect(finding!.fix).toContain('remove spec.parametersRef');
  });

  it('warns about a Gateway of another controller and fails one whose class does not exist', () => {
    const other = 'apiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\nmetadata: { name: other }\nspec: { controllerName: example.com/x }\n';
    const findings = gatewayClassCheck(inputOf(other, gatewayYaml('theirs', 'default', LISTENER).replace('portico', 'other'), gatewayYaml('typo', 'default', LISTENER).replace('portico', 'nope')));
    expect(summary(findings)).toEqual(['WARN GatewayClassNotOurs', 'FAIL GatewayClassNotFound']);
    expect(findings[0]!.message).toContain('example.com/x');
    // No class of ours exists: the fix is the GatewayClass to create.
    expect(findings[1]!.fix).toContain('controllerName: portico.dev/gateway-controller');
    expect(findings[1]!.fix).toContain('name: nope');
  });
});
