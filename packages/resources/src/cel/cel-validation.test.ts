/**
 * The Gateway API CRDs' CEL rules, as `kubectl apply` of these documents would meet them: real rules of
 * every kind Portico reads, each with an object the API server refuses and one it accepts.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ResourceLoadError } from '../loading/errors.js';
import { loadResources } from '../loading/load-resources.js';
import { parseResources } from '../loading/parse-resources.js';

const GW = 'apiVersion: gateway.networking.k8s.io/v1';

const gateway = (listeners: string, extra = '') =>
  `${GW}\nkind: Gateway\nmetadata: { name: gw, namespace: infra }\nspec:\n  gatewayClassName: portico\n${extra}  listeners:\n${listeners}`;
const httpRoute = (rules: string, extra = '') =>
  `${GW}\nkind: HTTPRoute\nmetadata: { name: web, namespace: apps }\nspec:\n  parentRefs: [{ name: gw, namespace: infra }]\n${extra}  rules:\n${rules}`;
const grpcRoute = (rules: string) => `${GW}\nkind: GRPCRoute\nmetadata: { name: rpc, namespace: apps }\nspec:\n  rules:\n${rules}`;
const backendTLSPolicy = (validation: string) =>
  `${GW}\nkind: BackendTLSPolicy\nmetadata: { name: tls, namespace: apps }\nspec:\n  targetRefs: [{ group: "", kind: Service, name: web }]\n  validation:\n${validation}`;
const listenerSet = (listeners: string) =>
  `${GW}\nkind: ListenerSet\nmetadata: { name: team, namespace: apps }\nspec:\n  parentRef: { name: gw, namespace: infra }\n  listeners:\n${listeners}`;
const tlsRoute = (hostnames: string) =>
  `${GW}\nkind: TLSRoute\nmetadata: { name: sni, namespace: apps }\nspec:\n  hostnames: ${hostnames}\n  rules:\n  - backendRefs: [{ name: web, port: 443 }]\n`;

/** The error loading `yaml` throws, as the message the CLI and the file provider print. */
function refusal(yaml: string): string | undefined {
  try {
    parseResources(yaml, 'in.yaml');
    return undefined;
  } catch (err) {
    if (!(err instanceof ResourceLoadError)) throw err;
    return err.message;
  }
}

describe('CEL rules of the Gateway API CRDs', () => {
  describe('the issue examples', () => {
    it('HTTPRoute: a ReplaceFullPath URL rewrite without replaceFullPath is refused', () => {
      const rewrite = (path: string) => httpRoute(`  - filters:\n    - type: URLRewrite\n      urlRewrite:\n        path: ${path}\n`);
      expect(refusal(rewrite('{ type: ReplaceFullPath, replacePrefixMatch: /new }'))).toBe(
        "in.yaml: document 1 (HTTPRoute apps/web): spec.rules[0].filters[0].urlRewrite.path: Invalid value: replaceFullPath must be specified when type is set to 'ReplaceFullPath'",
      );
      expect(refusal(rewrite('{ type: ReplaceFullPath, replaceFullPath: /new }'))).toBeUndefined();
    });

    it('Gateway: an HTTPS listener in Passthrough mode is refused; a TLS one with certificateRefs is not (no v1.7.0 rule forbids it)', () => {
      const listener = (protocol: string) =>
        `  - name: secure\n    port: 443\n    protocol: ${protocol}\n    tls: { mode: Passthrough, certificateRefs: [{ name: cert }] }\n`;
      expect(refusal(gateway(listener('HTTPS')))).toBe(
        'in.yaml: document 1 (Gateway infra/gw): spec.listeners: Invalid value: tls mode must be Terminate for protocol HTTPS',
      );
      expect(refusal(gateway(listener('TLS')))).toBeUndefined();
    });
  });

  describe('Gateway listeners', () => {
    it.each([
      [
        // The listener list is a map list keyed by name: its uniqueness check comes first, as on the API server.
        'names must be unique',
        '  - { name: web, port: 80, protocol: HTTP }\n  - { name: web, port: 8080, protocol: HTTP }\n',
        'spec.listeners[1]: Duplicate value: {"name":"web"}',
      ],
      [
        'no tls on an HTTP listener',
        '  - { name: web, port: 80, protocol: HTTP, tls: { certificateRefs: [{ name: c }] } }\n',
        "spec.listeners: Invalid value: tls must not be specified for protocols ['HTTP', 'TCP', 'UDP']",
      ],
      [
        'no hostname on a TCP listener',
        '  - { name: db, port: 5432, protocol: TCP, hostname: db.example.com }\n',
        "spec.listeners: Invalid value: hostname must not be specified for protocols ['TCP', 'UDP']",
      ],
      [
        'port, protocol and hostname combinations must be unique',
        '  - { name: a, port: 80, protocol: HTTP, hostname: a.example.com }\n  - { name: b, port: 80, protocol: HTTP, hostname: a.example.com }\n',
        'spec.listeners: Invalid value: Combination of port, protocol and hostname must be unique for each listener',
      ],
      [
        'Terminate needs certificateRefs or options (an absent list is an evaluation error, as on the API server)',
        '  - { name: secure, port: 443, protocol: HTTPS, tls: { mode: Terminate } }\n',
        'spec.listeners[0].tls: Invalid value: "object": no such key: certificateRefs evaluating rule: certificateRefs or options must be specified when mode is Terminate',
      ],
    ])('%s', (_name, listeners, message) => {
      expect(refusal(gateway(listeners))).toBe(`in.yaml: document 1 (Gateway infra/gw): ${message}`);
    });

    it('accepts a valid set of listeners', () => {
      const listeners =
        '  - { name: web, port: 80, protocol: HTTP }\n  - { name: secure, port: 443, protocol: HTTPS, hostname: a.example.com, tls: { certificateRefs: [{ name: c }] } }\n  - { name: db, port: 5432, protocol: TCP }\n';
      expect(refusal(gateway(listeners))).toBeUndefined();
    });

    it('addresses: IP addresses must be unique', () => {
      const listeners = '  - { name: web, port: 80, protocol: HTTP }\n';
      const addresses = (second: string) => `  addresses:\n  - { type: IPAddress, value: 10.0.0.1 }\n  - { type: IPAddress, value: ${second} }\n`;
      expect(refusal(gateway(listeners, addresses('10.0.0.1')))).toBe('in.yaml: document 1 (Gateway infra/gw): spec.addresses: Invalid value: IPAddress values must be unique');
      expect(refusal(gateway(listeners, addresses('10.0.0.2')))).toBeUndefined();
    });
  });

  describe('HTTPRoute', () => {
    it.each([
      [
        'a filter type needs its field',
        '  - filters:\n    - type: RequestHeaderModifier\n',
        'spec.rules[0].filters[0]: Invalid value: filter.requestHeaderModifier must be specified for RequestHeaderModifier filter.type',
      ],
      [
        'a filter field needs its type',
        '  - filters:\n    - type: ResponseHeaderModifier\n      responseHeaderModifier: { set: [{ name: a, value: b }] }\n      requestHeaderModifier: { set: [{ name: a, value: b }] }\n',
        'spec.rules[0].filters[0]: Invalid value: filter.requestHeaderModifier must be nil if the filter.type is not RequestHeaderModifier',
      ],
      [
        'RequestRedirect and URLRewrite cannot be combined',
        '  - filters:\n    - { type: RequestRedirect, requestRedirect: { statusCode: 302 } }\n    - { type: URLRewrite, urlRewrite: { hostname: a.example.com } }\n',
        'spec.rules[0].filters: Invalid value: May specify either httpRouteFilterRequestRedirect or httpRouteFilterRequestRewrite, but not both',
      ],
      [
        'a path match without empty segments',
        '  - matches: [{ path: { type: PathPrefix, value: "/a//b" } }]\n',
        "spec.rules[0].matches[0].path: Invalid value: must not contain '//' when type one of ['Exact', 'PathPrefix']",
      ],
      [
        'ReplacePrefixMatch needs exactly one PathPrefix match',
        '  - matches: [{ path: { type: Exact, value: /a } }]\n    filters:\n    - type: URLRewrite\n      urlRewrite: { path: { type: ReplacePrefixMatch, replacePrefixMatch: /b } }\n',
        'spec.rules[0]: Invalid value: When using URLRewrite filter with path.replacePrefixMatch, exactly one PathPrefix match must be specified',
      ],
      [
        'backendRequest timeout within the request timeout',
        '  - timeouts: { request: 1s, backendRequest: 2s }\n',
        'spec.rules[0].timeouts: Invalid value: backendRequest timeout cannot be longer than request timeout',
      ],
      [
        'a Service backend needs a port',
        '  - backendRefs: [{ name: web }]\n',
        'spec.rules[0].backendRefs[0]: Invalid value: Must have port for Service reference',
      ],
    ])('%s', (_name, rules, message) => {
      expect(refusal(httpRoute(rules))).toBe(`in.yaml: document 1 (HTTPRoute apps/web): ${message}`);
    });

    it('parentRefs: sectionName set on all or none of the references to one parent', () => {
      const route = `${GW}\nkind: HTTPRoute\nmetadata: { name: web, namespace: apps }\nspec:\n  parentRefs: [{ name: gw, sectionName: web }, { name: gw }]\n`;
      expect(refusal(route)).toBe(
        'in.yaml: document 1 (HTTPRoute apps/web): spec.parentRefs: Invalid value: sectionName or port must be specified when parentRefs includes 2 or more references to the same parent',
      );
    });

    it('accepts rules that satisfy every rule', () => {
      const rules =
        '  - matches: [{ path: { type: PathPrefix, value: /api } }]\n    filters:\n    - type: URLRewrite\n      urlRewrite: { path: { type: ReplacePrefixMatch, replacePrefixMatch: /v2 } }\n    backendRefs: [{ name: web, port: 80 }]\n    timeouts: { request: 5s, backendRequest: 2s }\n';
      expect(refusal(httpRoute(rules))).toBeUndefined();
    });
  });

  describe('GRPCRoute', () => {
    it.each([
      ['a method match needs a service or a method', '  - matches: [{ method: { type: Exact } }]\n', 'spec.rules[0].matches[0].method: Invalid value: One or both of \'service\' or \'method\' must be specified'],
      [
        'an Exact method name must be a gRPC identifier',
        '  - matches: [{ method: { service: foo.Bar, method: "9get" } }]\n',
        'spec.rules[0].matches[0].method: Invalid value: method must only contain valid characters (matching ^[A-Za-z_][A-Za-z_0-9]*$)',
      ],
    ])('%s', (_name, rules, message) => {
      expect(refusal(grpcRoute(rules))).toBe(`in.yaml: document 1 (GRPCRoute apps/rpc): ${message}`);
    });

    it('accepts a mixed-case service name (the rule is RE2 with a (?i) flag)', () => {
      expect(refusal(grpcRoute('  - matches: [{ method: { service: Foo.BarService, method: Get } }]\n'))).toBeUndefined();
    });
  });

  describe('BackendTLSPolicy', () => {
    it('exactly one of caCertificateRefs and wellKnownCACertificates', () => {
      expect(refusal(backendTLSPolicy('    hostname: web.example.com\n    wellKnownCACertificates: System\n    caCertificateRefs: [{ group: "", kind: ConfigMap, name: ca }]\n'))).toBe(
        'in.yaml: document 1 (BackendTLSPolicy apps/tls): spec.validation: Invalid value: exactly one of the fields in [caCertificateRefs wellKnownCACertificates] must be set',
      );
      expect(refusal(backendTLSPolicy('    hostname: web.example.com\n    wellKnownCACertificates: System\n'))).toBeUndefined();
    });

    it('a Hostname subjectAltName needs a hostname', () => {
      const policy = backendTLSPolicy('    hostname: web.example.com\n    wellKnownCACertificates: System\n    subjectAltNames: [{ type: Hostname, uri: "spiffe://a/b" }]\n');
      expect(refusal(policy)).toBe(
        'in.yaml: document 1 (BackendTLSPolicy apps/tls): spec.validation.subjectAltNames[0]: Invalid value: SubjectAltName element must contain Hostname, if Type is set to Hostname',
      );
    });
  });

  describe('ListenerSet', () => {
    it('tls mode must be Terminate for HTTPS, listener names unique', () => {
      expect(refusal(listenerSet('  - { name: a, port: 443, protocol: HTTPS, tls: { mode: Passthrough } }\n'))).toBe(
        'in.yaml: document 1 (ListenerSet apps/team): spec.listeners: Invalid value: tls mode must be Terminate for protocol HTTPS',
      );
      expect(refusal(listenerSet('  - { name: a, port: 80, protocol: HTTP }\n  - { name: a, port: 81, protocol: HTTP }\n'))).toBe(
        'in.yaml: document 1 (ListenerSet apps/team): spec.listeners[1]: Duplicate value: {"name":"a"}',
      );
      expect(refusal(listenerSet('  - { name: a, port: 80, protocol: HTTP }\n  - { name: b, port: 81, protocol: HTTP }\n'))).toBeUndefined();
    });
  });

  describe('TLSRoute', () => {
    it('hostnames are names, not IP addresses (isIP)', () => {
      expect(refusal(tlsRoute('[10.0.0.1]'))).toBe('in.yaml: document 1 (TLSRoute apps/sni): spec.hostnames: Invalid value: Hostnames cannot contain an IP');
      expect(refusal(tlsRoute('["*.example.com", a.example.com]'))).toBeUndefined();
    });
  });

  it('rules run on the defaulted object: an HTTPRoute rule without matches gets the default PathPrefix / first', () => {
    // The ReplacePrefixMatch rule needs exactly one PathPrefix match: the default one counts.
    const rules = '  - filters:\n    - type: URLRewrite\n      urlRewrite: { path: { type: ReplacePrefixMatch, replacePrefixMatch: /b } }\n';
    expect(refusal(httpRoute(rules))).toBeUndefined();
  });
});

describe("kubernetesRules: 'warn'", () => {
  it('loads a refused object with a warning naming the rule it fails', () => {
    const bad = httpRoute('  - backendRefs: [{ name: web }]\n');
    const { objects, warnings } = parseResources(bad, 'in.yaml', { kubernetesRules: 'warn' });
    expect(objects.map((o) => o.metadata.name)).toEqual(['web']);
    expect(warnings).toEqual([
      {
        source: 'in.yaml',
        document: 1,
        message:
          "HTTPRoute apps/web: spec.rules[0].backendRefs[0]: Invalid value: Must have port for Service reference (the API server would refuse it; loaded anyway)",
      },
    ]);
  });

  it('still fails a document its schema refuses', () => {
    expect(() => parseResources(httpRoute('  - backendRefs: [{ name: web, port: "x" }]\n'), 'in.yaml', { kubernetesRules: 'warn' })).toThrow(ResourceLoadError);
  });
});

describe('a document refused by a CEL rule, among others', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'portico-cel-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('is reported with file, document, object and field, like a schema error', async () => {
    const bad = httpRoute('  - filters:\n    - type: URLRewrite\n      urlRewrite:\n        path: { type: ReplaceFullPath }\n');
    const file = join(dir, 'routes.yaml');
    writeFileSync(file, `${gateway('  - { name: web, port: 80, protocol: HTTP }\n')}---\n${bad}`);
    const error = await loadResources([file]).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(ResourceLoadError);
    expect(error).toMatchObject({
      code: 'INVALID_FIELD',
      source: file,
      document: 2,
      object: 'HTTPRoute apps/web',
      path: 'spec.rules[0].filters[0].urlRewrite.path',
      line: 18,
    });
  });
});
