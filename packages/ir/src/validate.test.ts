import type { GatewayIR, HTTPListenerIR, HTTPRouteIR, HTTPSServerIR, TLSListenerIR, TLSPassthroughServerIR, TCPListenerIR, UDPListenerIR } from './types.js';
import { validateGatewayIR } from './validate.js';

const source = { kind: 'HTTPRoute', namespace: 'default', name: 'web' };

/** A gateway exercising every listener type; valid as built, each test breaks one invariant. */
function validIR(): GatewayIR {
  return {
    name: 'default/gw',
    gatewayClass: 'portico',
    listeners: [
      {
        type: 'HTTP',
        name: 'http-80',
        address: '0.0.0.0',
        port: 80,
        sources: ['http'],
        virtualHosts: [
          {
            name: 'example.com',
            domains: ['example.com'],
            routes: [
              {
                name: 'httproute/default/web/rule/0/match/0',
                source,
                match: { path: { type: 'PathPrefix', value: '/' } },
                mirrors: [{ backend: 'default/mirror/80/http', percent: 50 }],
                destination: {
                  backends: [
                    { weight: 1, backend: 'default/web/80/http' },
                    { weight: 0, invalid: { status: 500, reason: 'BackendNotFound' } },
                  ],
                },
              },
            ],
          },
          {
            name: '*',
            domains: ['*'],
            routes: [
              {
                name: 'httproute/default/web/rule/1/match/0',
                source,
                match: {},
                redirect: { scheme: 'https', statusCode: 301 },
              },
            ],
          },
        ],
      },
      {
        type: 'TLS',
        name: 'tls-443',
        address: '0.0.0.0',
        port: 443,
        sources: ['https', 'tls'],
        servers: [
          {
            mode: 'Passthrough',
            name: 'tls/db.example.com',
            source: 'tls',
            serverNames: ['db.example.com'],
            route: { name: 'tlsroute/default/db', source, destination: { backends: [{ weight: 1, backend: 'default/db/5432/tcp' }] } },
          },
          {
            mode: 'HTTPS',
            name: 'https',
            source: 'https',
            serverNames: [],
            alpn: ['h2', 'http/1.1'],
            certificates: [
              { secret: 'default/cert', certificateChain: 'PEM', privateKey: 'KEY', dnsNames: ['example.com'], notAfter: '2030-01-01T00:00:00Z' },
            ],
            virtualHosts: [
              {
                name: 'example.com',
                domains: ['example.com'],
                routes: [{ name: 'r', source, match: {}, directResponse: { status: 404 } }],
              },
            ],
          },
        ],
      },
      {
        type: 'TCP',
        name: 'tcp-5432',
        address: '0.0.0.0',
        port: 5432,
        sources: ['pg'],
        route: { name: 'tcproute/default/db', source, destination: { backends: [{ weight: 1, backend: 'default/db/5432/tcp' }] } },
      },
      {
        type: 'UDP',
        name: 'udp-53',
        address: '0.0.0.0',
        port: 53,
        sources: ['dns'],
        route: { name: 'udproute/default/dns', source, destination: { backends: [{ weight: 1, backend: 'default/dns/53/udp' }] } },
      },
    ],
    backends: [
      { name: 'default/db/5432/tcp', service: { namespace: 'default', name: 'db', port: 5432 }, protocol: 'TCP', endpoints: [] },
      { name: 'default/dns/53/udp', service: { namespace: 'default', name: 'dns', port: 53 }, protocol: 'UDP', endpoints: [] },
      { name: 'default/mirror/80/http', service: { namespace: 'default', name: 'mirror', port: 80 }, protocol: 'HTTP', endpoints: [] },
      {
        name: 'default/web/80/http',
        service: { namespace: 'default', name: 'web', port: 80 },
        protocol: 'HTTP',
        endpoints: [{ address: '10.0.0.1', port: 8080 }],
        tls: { policy: 'default/web-tls', sni: 'web.internal', useSystemCAs: true, subjectAltNames: [] },
      },
    ],
  };
}

const http = (ir: GatewayIR) => ir.listeners[0] as HTTPListenerIR;
const tls = (ir: GatewayIR) => ir.listeners[1] as TLSListenerIR;
const tcp = (ir: GatewayIR) => ir.listeners[2] as TCPListenerIR;
const udp = (ir: GatewayIR) => ir.listeners[3] as UDPListenerIR;
const firstRoute = (ir: GatewayIR) => http(ir).virtualHosts[0]!.routes[0]!;

/** Applies one change to a valid IR and returns the errors. */
function errorsAfter(change: (ir: GatewayIR) => void): string[] {
  const ir = validIR();
  change(ir);
  return validateGatewayIR(ir);
}

describe('validateGatewayIR', () => {
  test('accepts a valid IR', () => {
    expect(validateGatewayIR(validIR())).toEqual([]);
  });

  test('listener names are unique', () => {
    expect(errorsAfter((ir) => (tcp(ir).name = 'http-80'))).toEqual([
      'listeners[2].name: duplicate listener name "http-80" (also listeners[0])',
    ]);
  });

  test('one listener per port and L4 transport', () => {
    expect(errorsAfter((ir) => (tcp(ir).port = 80))).toEqual(['listeners[2]: port 80/tcp is also used by listeners[0]']);
    // UDP and TCP may share a port number.
    expect(errorsAfter((ir) => (udp(ir).port = 5432))).toEqual([]);
  });

  test('ports are 1-65535', () => {
    expect(errorsAfter((ir) => (http(ir).port = 0))).toEqual(['listeners[0].port: 0 is not a port (1-65535)']);
    expect(errorsAfter((ir) => (udp(ir).port = 65536))).toEqual(['listeners[3].port: 65536 is not a port (1-65535)']);
    expect(errorsAfter((ir) => (ir.backends[0]!.endpoints = [{ address: '10.0.0.2', port: 80.5 }]))).toEqual([
      'backends[0].endpoints[0].port: 80.5 is not a port (1-65535)',
    ]);
  });

  test('every referenced backend exists', () => {
    const errors = errorsAfter((ir) => {
      ir.backends = ir.backends.filter((b) => !['default/web/80/http', 'default/mirror/80/http', 'default/db/5432/tcp'].includes(b.name));
    });
    expect(errors).toEqual([
      'listeners[0].virtualHosts[0].routes[0].destination.backends[0].backend: unknown backend "default/web/80/http"',
      'listeners[0].virtualHosts[0].routes[0].mirrors[0].backend: unknown backend "default/mirror/80/http"',
      'listeners[1].servers[0].route.destination.backends[0].backend: unknown backend "default/db/5432/tcp"',
      'listeners[2].route.destination.backends[0].backend: unknown backend "default/db/5432/tcp"',
    ]);
  });

  test('routes reference backends of a matching protocol', () => {
    expect(errorsAfter((ir) => (udp(ir).route!.destination.backends[0] = { weight: 1, backend: 'default/db/5432/tcp' }))).toEqual([
      'listeners[3].route.destination.backends[0].backend: backend "default/db/5432/tcp" speaks TCP, expected UDP',
    ]);
  });

  test('backend names are unique and follow the naming rule', () => {
    expect(errorsAfter((ir) => ir.backends.push({ ...ir.backends[0]! }))).toEqual([
      'backends[4].name: duplicate backend name "default/db/5432/tcp"',
    ]);
    expect(errorsAfter((ir) => (ir.backends[0]!.service.port = 5433))).toEqual([
      'backends[0].name: "default/db/5432/tcp" should be "default/db/5433/tcp"',
    ]);
  });

  test('a TCP backend that re-encrypts (TLSRoute Terminate + BackendTLSPolicy) is named .../tls', () => {
    const upstreamTLS = { policy: 'default/db-tls', sni: 'db.internal', useSystemCAs: true, subjectAltNames: [] };
    expect(errorsAfter((ir) => (ir.backends[0]!.tls = upstreamTLS))).toEqual(['backends[0].name: "default/db/5432/tcp" should be "default/db/5432/tls"']);
    // Renamed, and the TLS server's route pointing at it: a TCP upstream all the same.
    expect(
      errorsAfter((ir) => {
        ir.backends[0] = { ...ir.backends[0]!, name: 'default/db/5432/tls', tls: upstreamTLS };
        ir.backends.push({ name: 'default/db/5432/tcp', service: { namespace: 'default', name: 'db', port: 5432 }, protocol: 'TCP', endpoints: [] });
        (tls(ir).servers[0] as TLSPassthroughServerIR).route.destination.backends[0] = { weight: 1, backend: 'default/db/5432/tls' };
      }),
    ).toEqual([]);
  });

  test('a shared HTTPS table (per TLS port) names HTTPS servers of the port, whose own tables are then empty', () => {
    const https = (ir: GatewayIR) => tls(ir).servers[1] as HTTPSServerIR;
    const shared = (ir: GatewayIR, server: string) => {
      tls(ir).virtualHosts = [{ ...https(ir).virtualHosts[0]!, server }];
      https(ir).virtualHosts = [];
    };
    expect(errorsAfter((ir) => shared(ir, 'https'))).toEqual([]);
    expect(errorsAfter((ir) => shared(ir, 'tls/db.example.com'))).toEqual([
      'listeners[1].virtualHosts[0].server: "tls/db.example.com" is not an HTTPS server of this port',
    ]);
    expect(errorsAfter((ir) => (tls(ir).virtualHosts = []))).toEqual([
      "listeners[1].servers[1].virtualHosts: must be empty: the servers of this port share the listener's table",
    ]);
    expect(errorsAfter((ir) => (http(ir).virtualHosts[0]!.server = 'https'))).toEqual([
      'listeners[0].virtualHosts[0].server: only the shared HTTPS table of a TLS port names servers',
    ]);
  });

  test('a route has exactly one action', () => {
    expect(errorsAfter((ir) => (firstRoute(ir).directResponse = { status: 503 }))).toEqual([
      'listeners[0].virtualHosts[0].routes[0]: needs exactly one of redirect, directResponse, destination (found directResponse, destination)',
    ]);
    expect(errorsAfter((ir) => delete (firstRoute(ir) as Partial<HTTPRouteIR>).destination)).toEqual([
      'listeners[0].virtualHosts[0].routes[0]: needs exactly one of redirect, directResponse, destination (found none)',
    ]);
  });

  test('weights are non-negative integers and a destination is not empty', () => {
    expect(errorsAfter((ir) => (firstRoute(ir).destination!.backends[0]!.weight = -1))).toEqual([
      'listeners[0].virtualHosts[0].routes[0].destination.backends[0].weight: -1 is not a non-negative integer',
    ]);
    expect(errorsAfter((ir) => (firstRoute(ir).destination!.backends[1]!.weight = 1.5))).toEqual([
      'listeners[0].virtualHosts[0].routes[0].destination.backends[1].weight: 1.5 is not a non-negative integer',
    ]);
    expect(errorsAfter((ir) => (tcp(ir).route!.destination.backends = []))).toEqual([
      'listeners[2].route.destination.backends: a destination needs at least one backend',
    ]);
  });

  test('virtual host domains are unique within a route table', () => {
    expect(errorsAfter((ir) => http(ir).virtualHosts[1]!.domains.push('example.com'))).toEqual([
      'listeners[0].virtualHosts[1].domains: "example.com" is also a domain of listeners[0].virtualHosts[0]',
    ]);
    // The HTTPS server's route table is separate: the same domain there is fine (it is in validIR already).
    expect(errorsAfter((ir) => (http(ir).virtualHosts[1]!.name = 'example.com'))).toEqual([
      'listeners[0].virtualHosts[1].name: duplicate virtual host name "example.com"',
    ]);
    expect(errorsAfter((ir) => (http(ir).virtualHosts[1]!.domains = []))).toEqual([
      'listeners[0].virtualHosts[1].domains: a virtual host needs at least one domain',
    ]);
  });

  test('HTTPS and Terminate servers have certificates', () => {
    const https = (ir: GatewayIR) => tls(ir).servers[1] as { certificates: unknown[] };
    expect(errorsAfter((ir) => (https(ir).certificates = []))).toEqual([
      'listeners[1].servers[1].certificates: needs at least one certificate (mode HTTPS)',
    ]);
    expect(
      errorsAfter((ir) => tls(ir).servers.push({ mode: 'Terminate', name: 't', source: 't', serverNames: ['t.example.com'], certificates: [] })),
    ).toEqual(['listeners[1].servers[2].certificates: needs at least one certificate (mode Terminate)']);
    expect(errorsAfter((ir) => ((https(ir).certificates[0] as { privateKey: string }).privateKey = ''))).toEqual([
      'listeners[1].servers[1].certificates[0].privateKey: must not be empty',
    ]);
  });

  test('SNI values are served once per TLS listener', () => {
    expect(errorsAfter((ir) => (tls(ir).servers[1]!.serverNames = ['db.example.com']))).toEqual([
      'listeners[1].servers[1].serverNames: "db.example.com" is also served by listeners[1].servers[0]',
    ]);
    expect(errorsAfter((ir) => (tls(ir).servers[0]!.serverNames = []))).toEqual([
      'listeners[1].servers[1].serverNames: "(any)" is also served by listeners[1].servers[0]',
    ]);
    expect(errorsAfter((ir) => (tls(ir).servers = []))).toEqual([]); // bound port, connections closed
  });

  test('redirect status codes and ports', () => {
    expect(errorsAfter((ir) => (http(ir).virtualHosts[1]!.routes[0]!.redirect = { statusCode: 200, port: 70000 }))).toEqual([
      'listeners[0].virtualHosts[1].routes[0].redirect.statusCode: 200 is not one of 301, 302, 303, 307, 308',
      'listeners[0].virtualHosts[1].routes[0].redirect.port: 70000 is not a port (1-65535)',
    ]);
  });

  test('ReplacePrefixMatch needs a PathPrefix match', () => {
    expect(errorsAfter((ir) => (http(ir).virtualHosts[1]!.routes[0]!.redirect!.path = { type: 'ReplacePrefixMatch', value: '/v2' }))).toEqual([
      'listeners[0].virtualHosts[1].routes[0].redirect.path: ReplacePrefixMatch needs a PathPrefix path match',
    ]);
    expect(errorsAfter((ir) => (firstRoute(ir).rewrite = { path: { type: 'ReplacePrefixMatch', value: '/v2' } }))).toEqual([]);
  });

  test('one path rewrite at most: path or regexPath (ingress-nginx rewrite-target)', () => {
    const regexPath = { pattern: '(?i)^(?:/a(.*)).*', substitution: '/\\1' };
    expect(errorsAfter((ir) => (firstRoute(ir).rewrite = { regexPath }))).toEqual([]);
    expect(errorsAfter((ir) => (firstRoute(ir).rewrite = { path: { type: 'ReplaceFullPath', value: '/' }, regexPath }))).toEqual([
      'listeners[0].virtualHosts[0].routes[0].rewrite: has both path and regexPath: only one path rewrite applies',
    ]);
  });

  test('matches, direct responses, mirrors and retries', () => {
    expect(
      errorsAfter((ir) => {
        const route = firstRoute(ir);
        route.match = { path: { type: 'Exact', value: 'foo' }, headers: [{ name: '', type: 'Exact', value: 'x' }] };
        route.mirrors![0]!.percent = 101;
        route.retry = { attempts: -2 };
      }),
    ).toEqual([
      'listeners[0].virtualHosts[0].routes[0].match.path.value: "foo" must start with "/"',
      'listeners[0].virtualHosts[0].routes[0].match.headers[0].name: must not be empty',
      'listeners[0].virtualHosts[0].routes[0].mirrors[0].percent: 101 is not in 0-100',
      'listeners[0].virtualHosts[0].routes[0].retry.attempts: -2 is not a non-negative integer',
    ]);
    expect(errorsAfter((ir) => (tls(ir).servers[1] as { virtualHosts: { routes: HTTPRouteIR[] }[] }).virtualHosts[0]!.routes[0]!.directResponse!.status = 99)).toEqual([
      'listeners[1].servers[1].virtualHosts[0].routes[0].directResponse.status: 99 is not an HTTP status (200-599)',
    ]);
  });

  test('external auth: one path option, HTTP-only fields, a positive timeout', () => {
    expect(
      errorsAfter((ir) => {
        firstRoute(ir).externalAuth = { protocol: 'HTTP', backend: 'default/web/80/http', pathPrefix: '/a', pathOverride: '/b', timeoutMs: 0 };
      }),
    ).toEqual([
      'listeners[0].virtualHosts[0].routes[0].externalAuth: pathPrefix and pathOverride cannot both be set (Envoy refuses it)',
      'listeners[0].virtualHosts[0].routes[0].externalAuth.timeoutMs: 0 is not a positive integer',
    ]);
    expect(errorsAfter((ir) => (firstRoute(ir).externalAuth = { protocol: 'GRPC', backend: 'default/web/80/http', pathOverride: '/b' }))).toEqual([
      'listeners[0].virtualHosts[0].routes[0].externalAuth: pathOverride and clientResponseHeaders are HTTP only',
    ]);
  });

  test('endpoints and upstream TLS', () => {
    expect(
      errorsAfter((ir) => {
        const web = ir.backends[3]!;
        web.endpoints.push({ address: '', port: 8080 });
        web.tls = { policy: 'default/web-tls', sni: '', subjectAltNames: [] };
      }),
    ).toEqual([
      'backends[3].endpoints[1].address: must not be empty',
      'backends[3].tls.sni: must not be empty',
      'backends[3].tls: needs caCertificates or useSystemCAs',
    ]);
  });

  test('client certificates: a validation needs CAs, a backend client certificate needs its key', () => {
    const https = (ir: GatewayIR) => tls(ir).servers[1] as { clientValidation?: unknown };
    expect(errorsAfter((ir) => (https(ir).clientValidation = { mode: 'AllowValidOnly', caSources: [], caCertificates: '' }))).toEqual([
      'listeners[1].servers[1].clientValidation.caCertificates: must not be empty',
    ]);
    expect(errorsAfter((ir) => (https(ir).clientValidation = { mode: 'AllowInsecureFallback', caSources: ['ConfigMap/default/ca'], caCertificates: 'PEM' }))).toEqual([]);
    const certificate = { secret: 'default/client', certificateChain: 'PEM', privateKey: '', dnsNames: [], notAfter: '2030-01-01T00:00:00Z' };
    expect(errorsAfter((ir) => (ir.backends[3]!.tls = { policy: 'default/web-tls', sni: 'web.internal', useSystemCAs: true, subjectAltNames: [], clientCertificate: certificate }))).toEqual([
      'backends[3].tls.clientCertificate: needs certificateChain and privateKey',
    ]);
  });

  test('never throws on malformed input', () => {
    const broken = { name: '', listeners: [{ type: 'QUIC', name: 'x', port: 'a' }, { type: 'HTTP' }], backends: [{}] } as unknown as GatewayIR;
    expect(() => validateGatewayIR(broken)).not.toThrow();
    expect(validateGatewayIR(broken)).toContain('listeners[0].type: unknown listener type "QUIC"');
  });
});

describe('validateGatewayIR: tracing and access logs', () => {
  const gateway = (extra: Partial<GatewayIR>): GatewayIR => ({
    name: 'default/eg',
    gatewayClass: 'portico',
    listeners: [],
    backends: [{ name: 'default/otel/4317/http2', service: { namespace: 'default', name: 'otel', port: 4317 }, protocol: 'HTTP2', endpoints: [] }],
    ...extra,
  });
  const tracing = { policy: 'default/t', backend: 'default/otel/4317/http2', protocol: 'GRPC' as const, authority: 'otel.default:4317', serviceName: 'eg.default', samplingPercent: 10, attributes: [] };

  it('accepts a tracing collector and an OpenTelemetry access log sink that are backends of the gateway', () => {
    const log = { policy: 'default/l', format: { type: 'Text' as const, text: '%RESPONSE_CODE%' }, sinks: [{ type: 'OpenTelemetry' as const, backend: 'default/otel/4317/http2', authority: 'otel.default:4317', logName: '' }] };
    expect(validateGatewayIR(gateway({ tracing, accessLogs: [log] }))).toEqual([]);
  });

  it('reports a collector that is no backend, a sampling rate above 100 and two logs for one listener', () => {
    const log = { policy: 'default/l', listener: 'http', format: { type: 'Text' as const, text: 'x' }, sinks: [{ type: 'File' as const, path: 'relative.log' }] };
    expect(validateGatewayIR(gateway({ tracing: { ...tracing, backend: 'default/ghost/4317/http2', samplingPercent: 120 }, accessLogs: [log, log] }))).toEqual([
      'tracing.backend: "default/ghost/4317/http2" is not a backend of the gateway',
      'tracing.samplingPercent: 120 is not between 0 and 100',
      'accessLogs[0].sinks[0].path: "relative.log" is not absolute',
      'accessLogs[1].listener: a second access log for listener http',
      'accessLogs[1].sinks[0].path: "relative.log" is not absolute',
    ]);
  });
});
