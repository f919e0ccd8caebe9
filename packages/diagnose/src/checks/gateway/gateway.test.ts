import { gatewayCheck } from './gateway.js';
import { CLASS, gatewayYaml, inputOf, summary } from '../chain.test-util.js';

describe('gatewayCheck', () => {
  it('is one OK line for an accepted, programmed Gateway, with its addresses', () => {
    const gw = gatewayYaml('eg', 'default', '  - { name: http, protocol: HTTP, port: 80 }\n', '  addresses: [{ type: IPAddress, value: 10.1.2.3 }]\n');
    const findings = gatewayCheck(inputOf(CLASS, gw));
    expect(summary(findings)).toEqual(['OK Programmed']);
    expect(findings[0]!.message).toContain('10.1.2.3');
  });

  it('fails a Gateway that is not accepted, naming the field', () => {
    const gw = gatewayYaml('eg', 'default', '  - { name: http, protocol: HTTP, port: 80 }\n', '  addresses: [{ type: example.com/Custom, value: x }]\n');
    const [finding] = gatewayCheck(inputOf(CLASS, gw));
    expect(finding).toMatchObject({ level: 'FAIL', code: 'UnsupportedAddress', field: 'spec.addresses' });
  });

  it('fails a Gateway with no programmable listener, and warns when only some are', () => {
    const none = gatewayYaml('eg', 'default', '  - { name: tls, protocol: HTTPS, port: 443, tls: { certificateRefs: [{ name: missing }] } }\n');
    expect(summary(gatewayCheck(inputOf(CLASS, none)))).toEqual(['FAIL NotProgrammed']);
    const some = gatewayYaml('eg', 'default', '  - { name: a, protocol: HTTP, port: 80 }\n  - { name: b, protocol: SCTP, port: 81 }\n');
    expect(summary(gatewayCheck(inputOf(CLASS, some)))).toEqual(['WARN ListenersNotValid']);
  });

  it('fails an address without a value, which this controller cannot assign', () => {
    const gw = gatewayYaml('eg', 'default', '  - { name: http, protocol: HTTP, port: 80 }\n', '  addresses: [{ type: IPAddress }]\n');
    const [finding] = gatewayCheck(inputOf(CLASS, gw));
    expect(finding).toMatchObject({ level: 'FAIL', code: 'AddressNotAssigned', field: 'spec.addresses' });
  });

  it('says nothing about Gateways that are not ours', () => {
    expect(gatewayCheck(inputOf(gatewayYaml('eg', 'default', '  - { name: http, protocol: HTTP, port: 80 }\n')))).toEqual([]);
  });
});
