import { envoyProtos, validateMessage } from '@portico/envoy';
import type { UpstreamTLSIR } from '@portico/ir';
import { SYSTEM_CA_BUNDLE, upstreamTlsTransportSocket } from './upstream-tls.js';

const CA = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const TRANSPORT_SOCKET = 'envoy.config.core.v3.TransportSocket';

function policy(overrides: Partial<UpstreamTLSIR> = {}): UpstreamTLSIR {
  return {
    policy: 'default/echo-tls',
    sni: 'echo.example.com',
    caCertificates: CA,
    subjectAltNames: [{ type: 'Hostname', value: 'echo.example.com' }],
    ...overrides,
  };
}

type Socket = {
  name: string;
  typedConfig: { '@type': string; sni: string; commonTlsContext: { alpnProtocols?: string[]; validationContext: Record<string, unknown> } };
};

describe('upstreamTlsTransportSocket', () => {
  beforeAll(() => envoyProtos());

  it('verifies against the policy CA bundle and hostname SAN, with SNI', () => {
    const socket = upstreamTlsTransportSocket(policy(), 'HTTP') as Socket;
    expect(validateMessage(TRANSPORT_SOCKET, socket)).toEqual([]);
    expect(socket).toEqual({
      name: 'envoy.transport_sockets.tls',
      typedConfig: {
        '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext',
        sni: 'echo.example.com',
        commonTlsContext: {
          validationContext: {
            trustedCa: { inlineString: CA },
            matchTypedSubjectAltNames: [{ sanType: 'DNS', matcher: { exact: 'echo.example.com' } }],
          },
          alpnProtocols: ['http/1.1'],
        },
      },
    });
  });

  it('uses the system CA bundle by path for wellKnownCACertificates: System', () => {
    const socket = upstreamTlsTransportSocket(policy({ caCertificates: undefined, useSystemCAs: true }), 'HTTP') as Socket;
    expect(validateMessage(TRANSPORT_SOCKET, socket)).toEqual([]);
    expect(socket.typedConfig.commonTlsContext.validationContext.trustedCa).toEqual({ filename: SYSTEM_CA_BUNDLE });
    expect(SYSTEM_CA_BUNDLE).toBe('/etc/ssl/certs/ca-certificates.crt');
  });

  it('never leaves verification off: no CA in the IR still means the system bundle', () => {
    const socket = upstreamTlsTransportSocket(policy({ caCertificates: undefined }), 'HTTP') as Socket;
    expect(socket.typedConfig.commonTlsContext.validationContext.trustedCa).toEqual({ filename: SYSTEM_CA_BUNDLE });
  });

  it('maps Hostname SANs to DNS and URI SANs to URI, in the policy order', () => {
    const socket = upstreamTlsTransportSocket(
      policy({
        subjectAltNames: [
          { type: 'URI', value: 'spiffe://cluster.local/ns/default/sa/echo' },
          { type: 'Hostname', value: '*.example.com' },
        ],
      }),
      'HTTP',
    ) as Socket;
    expect(validateMessage(TRANSPORT_SOCKET, socket)).toEqual([]);
    expect(socket.typedConfig.commonTlsContext.validationContext.matchTypedSubjectAltNames).toEqual([
      { sanType: 'URI', matcher: { exact: 'spiffe://cluster.local/ns/default/sa/echo' } },
      { sanType: 'DNS', matcher: { exact: '*.example.com' } },
    ]);
  });

  it('offers ALPN h2 for HTTP/2 backends and none for TCP', () => {
    expect((upstreamTlsTransportSocket(policy(), 'HTTP2') as Socket).typedConfig.commonTlsContext.alpnProtocols).toEqual(['h2']);
    const tcp = upstreamTlsTransportSocket(policy(), 'TCP') as Socket;
    expect(validateMessage(TRANSPORT_SOCKET, tcp)).toEqual([]);
    expect(tcp.typedConfig.commonTlsContext.alpnProtocols).toBeUndefined();
  });
});
