/**
 * features/path_rules.feature: Exact and Prefix paths on four hosts of one Ingress: Exact is exact
 * and case-sensitive, Prefix matches whole path elements, the longest path wins, Exact beats Prefix
 * on a tie, and a trailing `/` in a Prefix path is ignored (not in an Exact path).
 */
import { requestTo } from './request-url.js';
import type { Expectation, IngressManifest, IngressScenario } from './scenario-types.js';

type PathType = 'Exact' | 'Prefix';

function path(value: string, pathType: PathType, service: string) {
  return { path: value, pathType, backend: { service: { name: service, port: { number: 8080 } } } };
}

function ingress(): IngressManifest {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name: 'path-rules' },
    spec: {
      rules: [
        { host: 'exact-path-rules', http: { paths: [path('/foo', 'Exact', 'foo-exact')] } },
        {
          host: 'prefix-path-rules',
          http: { paths: [path('/foo', 'Prefix', 'foo-prefix'), path('/aaa/bbb', 'Prefix', 'aaa-slash-bbb-prefix'), path('/aaa', 'Prefix', 'aaa-prefix')] },
        },
        { host: 'mixed-path-rules', http: { paths: [path('/foo', 'Prefix', 'foo-prefix'), path('/foo', 'Exact', 'foo-exact')] } },
        {
          host: 'trailing-slash-path-rules',
          http: { paths: [path('/aaa/bbb/', 'Prefix', 'aaa-slash-bbb-slash-prefix'), path('/foo/', 'Exact', 'foo-slash-exact')] },
        },
      ],
    },
  };
}

const served = (service: string, requestPath: string): Expectation[] => [
  { kind: 'status', code: 200 },
  { kind: 'served-by', service },
  { kind: 'request-path', path: requestPath },
];
const notFound: Expectation[] = [{ kind: 'status', code: 404 }];

function scenario(name: string, detail: string, url: string, expect: Expectation[]): IngressScenario {
  return {
    featureFile: 'features/path_rules.feature',
    feature: 'Path rules',
    name,
    detail,
    ingress: ingress(),
    awaitAddress: true,
    check: { kind: 'request', request: requestTo('GET', url), expect },
  };
}

const PREFIX_TRAILING_SLASH = 'An Ingress with prefix path rules should ignore the request trailing slash and send traffic to the matching backend service';
const PREFIX_RULE_TRAILING_SLASH = 'An Ingress with a trailing slashes in a prefix path rule should ignore the trailing slash and send traffic to the matching backend service';

/** In the feature file's order; two names appear twice upstream (the second time with another example or none). */
export const PATH_RULES_SCENARIOS: readonly IngressScenario[] = [
  scenario('An Ingress with exact path rules should send traffic to the matching backend service', 'exact /foo matches request /foo', 'http://exact-path-rules/foo', served('foo-exact', '/foo')),
  scenario('An Ingress with exact path rules should not match requests with trailing slash', 'exact /foo does not match request /foo/', 'http://exact-path-rules/foo/', notFound),
  scenario('An Ingress with exact path rules should be case sensitive', 'exact /foo does not match request /FOO', 'http://exact-path-rules/FOO', notFound),
  scenario('An Ingress with exact path rules should not match any other label', 'exact /foo does not match request /bar', 'http://exact-path-rules/bar', notFound),
  scenario('An Ingress with prefix path rules should send traffic to the matching backend service', 'prefix /foo matches request /foo', 'http://prefix-path-rules/foo', served('foo-prefix', '/foo')),
  scenario(PREFIX_TRAILING_SLASH, 'prefix /foo matches request /foo/', 'http://prefix-path-rules/foo/', served('foo-prefix', '/foo/')),
  scenario('An Ingress with prefix path rules should be case sensitive', 'prefix /foo does not match request /FOO', 'http://prefix-path-rules/FOO', notFound),
  scenario(
    'An Ingress with prefix path rules should match multiple labels, match the longest path, and send traffic to the matching backend service',
    'prefix /aaa/bbb matches request /aaa/bbb',
    'http://prefix-path-rules/aaa/bbb',
    served('aaa-slash-bbb-prefix', '/aaa/bbb'),
  ),
  scenario(
    'An Ingress with prefix path rules should match multiple labels, match the longest path, and subpaths and send traffic to the matching backend service',
    'prefix /aaa/bbb matches request /aaa/bbb/ccc',
    'http://prefix-path-rules/aaa/bbb/ccc',
    served('aaa-slash-bbb-prefix', '/aaa/bbb/ccc'),
  ),
  scenario('An Ingress with prefix path rules should and send traffic to the matching backend service', 'prefix /aaa matches request /aaa/ccc', 'http://prefix-path-rules/aaa/ccc', served('aaa-prefix', '/aaa/ccc')),
  scenario('An Ingress with prefix path rules should match each labels string prefix', 'prefix /aaa does not match request /aaaccc', 'http://prefix-path-rules/aaaccc', notFound),
  scenario(PREFIX_TRAILING_SLASH, 'prefix /foo matches request /foo/', 'http://prefix-path-rules/foo/', served('foo-prefix', '/foo/')),
  scenario(
    'An Ingress with mixed path rules should send traffic to the matching backend service where Exact is preferred',
    'exact /foo matches request /foo',
    'http://mixed-path-rules/foo',
    served('foo-exact', '/foo'),
  ),
  scenario(PREFIX_RULE_TRAILING_SLASH, 'prefix /aaa/bbb/ matches request /aaa/bbb', 'http://trailing-slash-path-rules/aaa/bbb', served('aaa-slash-bbb-slash-prefix', '/aaa/bbb')),
  scenario(PREFIX_RULE_TRAILING_SLASH, 'prefix /aaa/bbb/ matches request /aaa/bbb/', 'http://trailing-slash-path-rules/aaa/bbb/', served('aaa-slash-bbb-slash-prefix', '/aaa/bbb/')),
  scenario(
    'An Ingress with a trailing slashes in an exact path rule should not match requests without a trailing slash',
    'exact /foo/ does not match request /foo',
    'http://trailing-slash-path-rules/foo',
    notFound,
  ),
];
