/**
 * features/host_rules.feature: exact and `*.` wildcard hosts (a wildcard covers exactly one DNS
 * label), and TLS by SNI for a host listed in `spec.tls`.
 */
import { requestTo } from './request-url.js';
import type { Expectation, IngressManifest, IngressScenario } from './scenario-types.js';

function ingress(): IngressManifest {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name: 'host-rules' },
    spec: {
      tls: [{ hosts: ['foo.bar.com'], secretName: 'conformance-tls' }],
      rules: [
        { host: '*.foo.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'wildcard-foo-com', port: { number: 8080 } } } }] } },
        { host: 'foo.bar.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'foo-bar-com', port: { name: 'http' } } } }] } },
      ],
    },
  };
}

function scenario(name: string, detail: string, url: string, expect: Expectation[]): IngressScenario {
  return {
    featureFile: 'features/host_rules.feature',
    feature: 'Host rules',
    name,
    detail,
    ingress: ingress(),
    tlsSecrets: [{ name: 'conformance-tls', host: 'foo.bar.com' }],
    awaitAddress: true,
    check: { kind: 'request', request: requestTo('GET', url), expect },
  };
}

const served = (service: string, host: string): Expectation[] => [
  { kind: 'status', code: 200 },
  { kind: 'served-by', service },
  { kind: 'request-host', host },
];
const notFound: Expectation[] = [{ kind: 'status', code: 404 }];

export const HOST_RULES_SCENARIOS: readonly IngressScenario[] = [
  scenario(
    'An Ingress with a host rule should send TLS traffic to the matching backend service',
    'host foo.bar.com matches request foo.bar.com',
    'https://foo.bar.com',
    [{ kind: 'tls-hostname', hostname: 'foo.bar.com' }, ...served('foo-bar-com', 'foo.bar.com')],
  ),
  scenario(
    'An Ingress with a host rule should send traffic to the matching backend service',
    'host foo.bar.com matches request foo.bar.com',
    'http://foo.bar.com',
    served('foo-bar-com', 'foo.bar.com'),
  ),
  scenario(
    'An Ingress with a host rule should not route traffic when hostname does not match',
    'host foo.bar.com does not match request subdomain.bar.com',
    'http://subdomain.bar.com',
    notFound,
  ),
  scenario(
    'An Ingress with a wildcard host rule should send traffic to the matching backend service',
    'Matches based on shared suffix',
    'http://bar.foo.com',
    served('wildcard-foo-com', 'bar.foo.com'),
  ),
  scenario(
    'An Ingress with a wildcard host rule should not route traffic matching on more than a single dns label',
    'No match, wildcard only covers a single DNS label',
    'http://baz.bar.foo.com',
    notFound,
  ),
  scenario(
    'An Ingress with a wildcard host rule should not route traffic matching no dns label',
    'No match, wildcard only covers a single DNS label',
    'http://foo.com',
    notFound,
  ),
];
