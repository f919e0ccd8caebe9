/**
 * features/default_backend.feature: an Ingress with only `defaultBackend` receives every request,
 * whatever its host or path. One scenario outline, six Examples rows (method, host, path).
 */
import type { Expectation, IngressManifest, IngressScenario } from './scenario-types.js';

const FEATURE_FILE = 'features/default_backend.feature';
const FEATURE = 'Default backend';
const NAME = 'An Ingress with no rules should send all requests to the default backend';

function ingress(): IngressManifest {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name: 'default-backend' },
    spec: { defaultBackend: { service: { name: 'echo-service', port: { number: 8080 } } } },
  };
}

/** The outline's Examples: | method | host | path |. */
const EXAMPLES: readonly { method: string; host: string; path: string }[] = [
  { method: 'GET', host: 'my-host', path: '' },
  { method: 'GET', host: 'my-host', path: 'sub-path' },
  { method: 'POST', host: 'some-host', path: '' },
  { method: 'PUT', host: '', path: 'resource' },
  { method: 'DELETE', host: 'some-host', path: 'resource' },
  { method: 'PATCH', host: 'my-host', path: 'resource' },
];

function expectations(method: string, path: string): Expectation[] {
  return [
    { kind: 'status', code: 200 },
    { kind: 'served-by', service: 'echo-service' },
    { kind: 'response-proto', proto: 'HTTP/1.1' },
    ...['Content-Length', 'Content-Type', 'Date', 'Server'].map((name): Expectation => ({ kind: 'response-header', name, value: '*' })),
    { kind: 'request-method', method },
    { kind: 'request-path', path },
    { kind: 'request-proto', proto: 'HTTP/1.1' },
    { kind: 'request-header', name: 'User-Agent', value: 'Go-http-client/1.1' },
  ];
}

export const DEFAULT_BACKEND_SCENARIOS: readonly IngressScenario[] = EXAMPLES.map(({ method, host, path }) => ({
  featureFile: FEATURE_FILE,
  feature: FEATURE,
  name: NAME,
  detail: `${method} http://"${host}"/"${path}"`,
  ingress: ingress(),
  awaitAddress: true,
  check: { kind: 'request', request: { method, scheme: 'http', host, path }, expect: expectations(method, path) },
}));
