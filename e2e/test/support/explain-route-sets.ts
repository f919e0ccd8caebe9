/**
 * Random Gateway API route sets and requests for the `portico explain` agreement test: a Gateway with
 * two HTTP listeners (`http` without hostname, `wild` for `*.example.com`) and two HTTPS listeners
 * sharing a port (`tls-a` for `*.example.com`, `tls-b` for `shop.test`: a Host of one through the
 * other's SNI is answered 421), HTTPRoutes with random
 * hostnames, path matches (Exact, PathPrefix, RegularExpression), methods, header and query matches,
 * and actions (a backend taking all the weight, a second backend at weight 0, a Service that does not
 * exist → 500, a Service without endpoints → 503, redirects). Weights are 0 or 100 only, so which
 * backend answers is deterministic; every backend is its own echo server.
 */
import fc from 'fast-check';

export const BACKENDS = ['svc-0', 'svc-1', 'svc-2', 'svc-3', 'svc-4', 'svc-5'] as const;
export const EMPTY_SERVICE = 'svc-empty';
export const MISSING_SERVICE = 'svc-missing';
export const READY_HOST = 'ready.example.com';
export const READY_PATH = '/__ready';

const ROUTE_HOSTNAMES = ['a.example.com', 'b.example.com', '*.example.com', '*.b.example.com', 'shop.test'];
const PREFIXES = ['/', '/api', '/api/v1', '/api/v1/', '/static', '/Api', '/a.b'];
const EXACTS = ['/api', '/api/v1', '/', '/static/a.css', '/x'];
const REGEXES = ['/api/v[0-9]+', '/static/.*', '/[a-z]+', '.*\\.css', '/(api|x)'];
const HEADER_NAMES = ['x-env', 'x-canary'];
const HEADER_VALUES = ['prod', 'dev', 'true'];
const HEADER_REGEXES = ['pro.*', 'd.v', 'tr?ue'];

interface PathMatch {
  type: 'Exact' | 'PathPrefix' | 'RegularExpression';
  value: string;
}
interface Match {
  path?: PathMatch;
  method?: 'GET' | 'POST';
  headers?: { type: 'Exact' | 'RegularExpression'; name: string; value: string }[];
  queryParams?: { name: string; value: string }[];
}
type Action =
  | { kind: 'backend'; backend: string; zeroWeight?: string }
  | { kind: 'redirect'; statusCode: 301 | 302; hostname?: string; path?: { type: 'ReplaceFullPath' | 'ReplacePrefixMatch'; value: string } };
interface Rule {
  matches: Match[];
  action: Action;
}
type SectionName = 'http' | 'wild' | 'tls-a' | 'tls-b';
interface Route {
  hostnames: string[];
  sectionName?: SectionName;
  rules: Rule[];
}

const pathMatch: fc.Arbitrary<PathMatch> = fc.oneof(
  fc.record({ type: fc.constant('PathPrefix' as const), value: fc.constantFrom(...PREFIXES) }),
  fc.record({ type: fc.constant('Exact' as const), value: fc.constantFrom(...EXACTS) }),
  fc.record({ type: fc.constant('RegularExpression' as const), value: fc.constantFrom(...REGEXES) }),
);

/** `arbitrary` `present` times in `present + absent`, else absent. */
const sometimes = <T>(arbitrary: fc.Arbitrary<T>, present: number, absent: number): fc.Arbitrary<T | undefined> =>
  fc.oneof({ weight: absent, arbitrary: fc.constant(undefined) }, { weight: present, arbitrary });

// Conditions beyond the path are rarer than the path itself, so that requests reach routes often
// enough for the path matchers' boundaries to be exercised, not only the 404s of extra conditions.
const match: fc.Arbitrary<Match> = fc
  .record({
    path: sometimes(pathMatch, 6, 1),
    method: sometimes(fc.constantFrom('GET' as const, 'POST' as const), 1, 3),
    headers: sometimes(
      fc.array(
        fc.oneof(
          fc.record({ type: fc.constant('Exact' as const), name: fc.constantFrom(...HEADER_NAMES), value: fc.constantFrom(...HEADER_VALUES) }),
          fc.record({ type: fc.constant('RegularExpression' as const), name: fc.constantFrom(...HEADER_NAMES), value: fc.constantFrom(...HEADER_REGEXES) }),
        ),
        { minLength: 1, maxLength: 2 },
      ),
      1,
      3,
    ),
    queryParams: sometimes(fc.array(fc.record({ name: fc.constant('q'), value: fc.constantFrom('1', 'x') }), { minLength: 1, maxLength: 1 }), 1, 4),
  })
  .map((m) => {
    const out: Match = {};
    if (m.path) out.path = m.path;
    if (m.method) out.method = m.method;
    // Gateway API refuses two header matches of one name in a match.
    if (m.headers) out.headers = m.headers.filter((h, i, all) => all.findIndex((o) => o.name === h.name) === i);
    if (m.queryParams) out.queryParams = m.queryParams;
    return out;
  });

const action: fc.Arbitrary<Action> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('backend' as const), backend: fc.constantFrom(...BACKENDS) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('backend' as const), backend: fc.constantFrom(...BACKENDS), zeroWeight: fc.constantFrom(...BACKENDS) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('backend' as const), backend: fc.constant(MISSING_SERVICE) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('backend' as const), backend: fc.constant(EMPTY_SERVICE) }) },
  {
    weight: 2,
    arbitrary: fc.record(
      {
        kind: fc.constant('redirect' as const),
        statusCode: fc.constantFrom(301 as const, 302 as const),
        hostname: fc.constant('moved.test'),
        path: fc.record({ type: fc.constantFrom('ReplaceFullPath' as const, 'ReplacePrefixMatch' as const), value: fc.constantFrom('/new', '/', '/moved/here') }),
      },
      { requiredKeys: ['kind', 'statusCode'] },
    ),
  },
);

const rule: fc.Arbitrary<Rule> = fc.record({ matches: fc.array(match, { minLength: 0, maxLength: 2 }), action }).map((r) => {
  // ReplacePrefixMatch needs exactly one match, a PathPrefix one (the CRD's CEL rule refuses it otherwise).
  if (r.action.kind === 'redirect' && r.action.path?.type === 'ReplacePrefixMatch' && !(r.matches.length === 1 && r.matches[0]!.path?.type === 'PathPrefix')) {
    return { ...r, action: { ...r.action, path: { type: 'ReplaceFullPath' as const, value: r.action.path.value } } };
  }
  return r;
});

const route: fc.Arbitrary<Route> = fc.record(
  {
    hostnames: fc.uniqueArray(fc.constantFrom(...ROUTE_HOSTNAMES), { maxLength: 2 }),
    sectionName: fc.constantFrom<SectionName>('http', 'wild', 'tls-a', 'tls-b'),
    rules: fc.array(rule, { minLength: 1, maxLength: 3 }),
  },
  { requiredKeys: ['hostnames', 'rules'] },
);

export const routeSet: fc.Arbitrary<Route[]> = fc.array(route, { minLength: 3, maxLength: 6 });

export interface TestRequest {
  method: 'GET' | 'POST';
  host: string;
  /** Which port: 0 (`http`), 1 (`wild`) or 2 (the HTTPS listeners). */
  listener: 0 | 1 | 2;
  /** The TLS server name, for port 2: the Host's name, or another one. */
  sni?: string;
  /** Append the listener's port to the Host. */
  hostPort: boolean;
  path: string;
  headers: Record<string, string>;
}

const REQUEST_HOSTS = ['a.example.com', 'a.example.com', 'b.example.com', 'x.b.example.com', 'c.example.com', 'shop.test', 'shop.test', 'other.org', 'A.Example.com', 'a.example.com.', '127.0.0.1'];
const REQUEST_PATHS = [
  '/', '/api', '/api/', '/api/v1', '/api/v1/', '/api/v12', '/apix', '/api/v1/x', '/api/v1x', '/static/a.css', '/static', '/staticx',
  '/Api', '/API/v1', '/api//v1', '/api/./v1/../v1', '/a.b', '/a.b/c', '/axb', '/x', '/x?q=1', '/api?q=x', '/api/v1?q=1&q=x', '/api?q=1', '/x/y.css', '/api?q=%31', '/x?q=1#frag', '/api%2Fv1', '/api/%2e%2e/x', '/%61pi',
];

const SNIS = ['a.example.com', 'c.example.com', 'shop.test', 'other.org'];

export const testRequest: fc.Arbitrary<TestRequest> = fc.record({
  method: fc.constantFrom('GET' as const, 'POST' as const),
  host: fc.constantFrom(...REQUEST_HOSTS),
  listener: fc.constantFrom(0 as const, 1 as const, 2 as const),
  sni: sometimes(fc.constantFrom(...SNIS), 1, 1),
  hostPort: fc.boolean(),
  path: fc.constantFrom(...REQUEST_PATHS),
  headers: fc.record({ 'x-env': fc.constantFrom('prod', 'dev', 'production'), 'x-canary': fc.constantFrom('true', 'false') }, { requiredKeys: [] }),
});

/**
 * The resources folder's files for one route set (file name → YAML); `backendPorts` are the echo
 * servers' ports. One file per route: a route the CRD rules refuse (a generator corner the rules
 * forbid) costs only its own file, as the file provider rejects whole files.
 */
export function routeSetFiles(routes: Route[], ports: [number, number, number], backendPorts: Record<string, number>, serving: { cert: string; key: string }): Record<string, string> {
  const b64 = (text: string) => Buffer.from(text).toString('base64');
  const docs: string[] = [
    `apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: { name: portico-explain }
spec: { controllerName: portico.dev/gateway-controller }`,
    `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: { name: explain, namespace: default }
spec:
  gatewayClassName: portico-explain
  listeners:
  - { name: http, port: ${ports[0]}, protocol: HTTP }
  - { name: wild, port: ${ports[1]}, protocol: HTTP, hostname: "*.example.com" }
  - { name: tls-a, port: ${ports[2]}, protocol: HTTPS, hostname: "*.example.com", tls: { certificateRefs: [{ name: serving }] } }
  - { name: tls-b, port: ${ports[2]}, protocol: HTTPS, hostname: shop.test, tls: { certificateRefs: [{ name: serving }] } }`,
    `apiVersion: v1
kind: Secret
metadata: { name: serving, namespace: default }
type: kubernetes.io/tls
data:
  tls.crt: ${b64(serving.cert)}
  tls.key: ${b64(serving.key)}`,
    // The sentinel the test waits for: served on both listeners once Envoy has the route set.
    `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: ready, namespace: default }
spec:
  parentRefs: [{ name: explain }]
  hostnames: [${READY_HOST}]
  rules:
  - matches: [{ path: { type: Exact, value: ${READY_PATH} } }]
    backendRefs: [{ name: svc-0, port: 8080 }]`,
  ];
  for (const name of [...BACKENDS, EMPTY_SERVICE]) {
    docs.push(`apiVersion: v1
kind: Service
metadata: { name: ${name}, namespace: default }
spec:
  ports: [{ name: http, port: 8080 }]`);
    if (name === EMPTY_SERVICE) continue;
    docs.push(`apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: { name: ${name}-1, namespace: default, labels: { kubernetes.io/service-name: ${name} } }
addressType: IPv4
ports: [{ name: http, port: ${backendPorts[name]} }]
endpoints:
- addresses: [127.0.0.1]
  conditions: { ready: true }`);
  }
  const files: Record<string, string> = { '00-gateway.yaml': docs.join('\n---\n') + '\n' };
  routes.forEach((r, i) => (files[`route-${i}.yaml`] = `${routeYaml(r, i)}\n`));
  return files;
}

function routeYaml(r: Route, i: number): string {
  const lines = [
    'apiVersion: gateway.networking.k8s.io/v1',
    'kind: HTTPRoute',
    `metadata: { name: route-${i}, namespace: default }`,
    'spec:',
    `  parentRefs: [{ name: explain${r.sectionName ? `, sectionName: ${r.sectionName}` : ''} }]`,
  ];
  if (r.hostnames.length) lines.push(`  hostnames: [${r.hostnames.map((h) => JSON.stringify(h)).join(', ')}]`);
  lines.push('  rules:');
  for (const rule of r.rules) {
    lines.push(`  - matches: ${JSON.stringify(rule.matches)}`);
    const a = rule.action;
    if (a.kind === 'backend') {
      const refs = [{ name: a.backend, port: 8080, weight: 100 }, ...(a.zeroWeight ? [{ name: a.zeroWeight, port: 8080, weight: 0 }] : [])];
      lines.push(`    backendRefs: ${JSON.stringify(refs)}`);
    } else {
      const redirect = { statusCode: a.statusCode, ...(a.hostname ? { hostname: a.hostname } : {}), ...(a.path ? { path: a.path.type === 'ReplaceFullPath' ? { type: a.path.type, replaceFullPath: a.path.value } : { type: a.path.type, replacePrefixMatch: a.path.value } } : {}) };
      lines.push(`    filters: ${JSON.stringify([{ type: 'RequestRedirect', requestRedirect: redirect }])}`);
    }
  }
  return lines.join('\n');
}
