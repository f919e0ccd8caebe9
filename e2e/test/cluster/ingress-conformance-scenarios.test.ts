/**
 * Our runner of the Ingress conformance suite (e2e/conformance/ingress-suite.ts): the scenarios it
 * reproduces, the objects it creates for them, how it checks an exchange, and its report. The cluster
 * run itself is `npm run conformance -- --suite ingress`.
 */
import { parse } from 'yaml';
import { INGRESS_SCENARIOS } from '../../conformance/ingress/all-scenarios.js';
import { countReadyEndpoints } from '../../conformance/ingress/cluster-steps.js';
import { echoBackendObjects, echoBackendsOf } from '../../conformance/ingress/echo-backends.js';
import { renderReport, summaryLine, type ScenarioResult } from '../../conformance/ingress/report.js';
import { requestTo } from '../../conformance/ingress/request-url.js';
import { scenarioIngress } from '../../conformance/ingress-suite.js';
import { parseArgs } from '../../conformance/run-args.js';

const byFeature = (file: string) => INGRESS_SCENARIOS.filter((s) => s.featureFile === file);

describe('the upstream scenarios', () => {
  it('has every scenario of the five feature files, Examples rows included', () => {
    expect(byFeature('features/default_backend.feature')).toHaveLength(6);
    expect(byFeature('features/host_rules.feature')).toHaveLength(6);
    expect(byFeature('features/ingress_class.feature')).toHaveLength(1);
    expect(byFeature('features/load_balancing.feature')).toHaveLength(1);
    expect(byFeature('features/path_rules.feature')).toHaveLength(16);
    expect(INGRESS_SCENARIOS).toHaveLength(30);
  });

  it('keeps upstream names and tells same-named scenarios apart by their detail line', () => {
    const outline = byFeature('features/default_backend.feature');
    expect(new Set(outline.map((s) => s.name))).toEqual(new Set(['An Ingress with no rules should send all requests to the default backend']));
    expect(outline.map((s) => s.detail)).toEqual([
      'GET http://"my-host"/""',
      'GET http://"my-host"/"sub-path"',
      'POST http://"some-host"/""',
      'PUT http://""/"resource"',
      'DELETE http://"some-host"/"resource"',
      'PATCH http://"my-host"/"resource"',
    ]);
    const trailing = byFeature('features/path_rules.feature').filter((s) => s.name.startsWith('An Ingress with a trailing slashes in a prefix path rule'));
    expect(trailing.map((s) => s.detail)).toEqual(['prefix /aaa/bbb/ matches request /aaa/bbb', 'prefix /aaa/bbb/ matches request /aaa/bbb/']);
  });

  it('sends the default-backend outline rows as written: an empty host means the address itself', () => {
    const put = byFeature('features/default_backend.feature')[3]!;
    expect(put.check).toMatchObject({ kind: 'request', request: { method: 'PUT', scheme: 'http', host: '', path: 'resource' } });
    expect(put.check.kind === 'request' && put.check.expect).toContainEqual({ kind: 'request-header', name: 'User-Agent', value: 'Go-http-client/1.1' });
  });

  it('reads a scenario URL as upstream does: host for Host/SNI, path as given', () => {
    expect(requestTo('GET', 'https://foo.bar.com')).toEqual({ method: 'GET', scheme: 'https', host: 'foo.bar.com', path: '/' });
    expect(requestTo('GET', 'http://trailing-slash-path-rules/aaa/bbb/')).toEqual({ method: 'GET', scheme: 'http', host: 'trailing-slash-path-rules', path: '/aaa/bbb/' });
    expect(requestTo('GET', 'http://exact-path-rules/FOO').path).toBe('/FOO');
  });

  it('gives the ingress-class scenario its foreign class and the others Portico\'s', () => {
    const foreign = byFeature('features/ingress_class.feature')[0]!;
    expect(scenarioIngress(foreign.ingress, 'ns').spec.ingressClassName).toBe('some-invalid-class-name');
    const ours = scenarioIngress(byFeature('features/path_rules.feature')[0]!.ingress, 'ns-1');
    expect(ours.spec.ingressClassName).toBe('portico');
    expect(ours.metadata).toEqual({ name: 'path-rules', namespace: 'ns-1' });
  });
});

describe('echo backends', () => {
  it('makes one Deployment and Service per referenced service, as upstream names them', () => {
    const hostRules = byFeature('features/host_rules.feature')[0]!.ingress;
    const backends = echoBackendsOf(hostRules);
    expect(backends).toEqual([
      { deploymentName: 'host-rules-wildcard-foo-com', serviceName: 'wildcard-foo-com', servicePort: 8080 },
      // A port given by name: the Service gets that name on upstream's default port 8080.
      { deploymentName: 'host-rules-foo-bar-com', serviceName: 'foo-bar-com', servicePort: 8080, servicePortName: 'http' },
    ]);
    const pathRules = echoBackendsOf(byFeature('features/path_rules.feature')[0]!.ingress);
    expect(pathRules.map((b) => b.serviceName)).toEqual(['foo-exact', 'foo-prefix', 'aaa-slash-bbb-prefix', 'aaa-prefix', 'aaa-slash-bbb-slash-prefix', 'foo-slash-exact']);
  });

  it('sets the env echo-basic reports and the named ports', () => {
    const [deployment, service] = echoBackendObjects({ deploymentName: 'host-rules-foo-bar-com', serviceName: 'foo-bar-com', servicePort: 8080, servicePortName: 'http' }, 'ns', 'host-rules') as any[];
    const container = deployment.spec.template.spec.containers[0];
    expect(container.image).toBe('registry.k8s.io/gateway-api/conformance/echo-basic:v0.1.0');
    expect(container.env).toEqual(
      expect.arrayContaining([
        { name: 'INGRESS_NAME', value: 'host-rules' },
        { name: 'SERVICE_NAME', value: 'foo-bar-com' },
        { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
        { name: 'NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
      ]),
    );
    expect(container.ports).toEqual([{ name: 'http', containerPort: 3000 }]);
    expect(deployment.spec.selector.matchLabels).toEqual(service.spec.selector);
    expect(service.spec.ports).toEqual([{ name: 'http', port: 8080, targetPort: 3000 }]);
    expect(service.metadata).toEqual({ name: 'foo-bar-com', namespace: 'ns' });
  });

  it('counts ready endpoints over slices, a missing ready condition counting as ready', () => {
    expect(countReadyEndpoints([{ endpoints: [{ conditions: { ready: true } }, { conditions: { ready: false } }] }, { endpoints: [{}] }, {}])).toBe(2);
  });
});

describe('the report', () => {
  const [first, second] = INGRESS_SCENARIOS;
  const results: ScenarioResult[] = [
    { scenario: first!, result: 'passed', seconds: 4.2 },
    { scenario: second!, result: 'failed', reason: 'expected status code 200 but 404 was returned (after 120 attempt(s))', seconds: 31 },
  ];

  it('says what produced it, then one entry per scenario with the reason of a failure', () => {
    const text = renderReport(results, { date: '2026-12-05T07:00:00.000Z', porticoVersion: '0.1.0', ingressClass: 'portico', seconds: 40 });
    expect(text.startsWith('# Ingress conformance: the scenarios of kubernetes-sigs/ingress-controller-conformance')).toBe(true);
    expect(text).toContain('not by upstream\'s binary');
    const report = parse(text);
    expect(report.summary).toEqual({ passed: 1, failed: 1, total: 2, seconds: 40 });
    expect(report.implementation).toEqual({ project: 'portico', version: '0.1.0', ingressClassName: 'portico' });
    expect(report.scenarios[0]).toEqual({ feature: 'Default backend', scenario: first!.name, detail: first!.detail, result: 'passed', seconds: 4.2 });
    expect(report.scenarios[1]).toMatchObject({ result: 'failed', reason: 'expected status code 200 but 404 was returned (after 120 attempt(s))' });
  });

  it('sums up in one line', () => {
    expect(summaryLine(results, 40)).toBe('Ingress suite: 1 passed, 1 failed of 2 scenarios in 40 s');
  });
});

describe('npm run conformance options', () => {
  it('runs both suites by default and keeps the earlier flags', () => {
    expect(parseArgs([])).toEqual({ suite: 'all', keep: false, reuse: false });
    expect(parseArgs(['--run-test', 'HTTPRouteSimpleSameNamespace', '--keep', '--reuse'])).toEqual({ suite: 'all', runTest: 'HTTPRouteSimpleSameNamespace', keep: true, reuse: true });
  });

  it('picks one suite, and Ingress scenarios by name', () => {
    expect(parseArgs(['--suite', 'ingress', '--scenario', 'wildcard'])).toEqual({ suite: 'ingress', scenario: 'wildcard', keep: false, reuse: false });
    expect(parseArgs(['--suite', 'gateway-api']).suite).toBe('gateway-api');
    expect(() => parseArgs(['--suite', 'grpc'])).toThrow('unknown argument --suite');
  });
});
