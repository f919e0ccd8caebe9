/**
 * Our runner of the Ingress conformance suite's scenarios (kubernetes-sigs/ingress-controller-conformance,
 * features/*.feature; the scenarios themselves are in ./ingress/). Upstream's Go module is not served
 * by the Go module proxy here, so its binary cannot be built; this reproduces each scenario one to one
 * against the cluster: its Background (a new namespace, the echo backends the Ingress names, TLS
 * Secrets, the Ingress with Portico's class, the status address, a scaled backend), then its request(s)
 * and assertions from the host to the Ingress's status address. Scenarios run one at a time, each in
 * a namespace of its own that is deleted (and waited for) before the next starts: one class's Ingresses
 * share one Envoy, and a leftover default backend would answer the next scenario's 404 requests.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { INGRESS_SCENARIOS } from './ingress/all-scenarios.js';
import { createClusterSteps, tlsSecret, type ClusterSteps } from './ingress/cluster-steps.js';
import { echoBackendObjects, echoBackendsOf } from './ingress/echo-backends.js';
import { checkRequestEventually, checkSpreadEventually, eventually, settledIn, settleRequest, type EventualOptions, type SendRequest } from './ingress/eventual-checks.js';
import { summaryLine, writeReport, type ScenarioResult } from './ingress/report.js';
import { captureRoundTrip } from './ingress/round-trip.js';
import type { IngressManifest, IngressScenario } from './ingress/scenario-types.js';

export const PORTICO_INGRESS_CLASS = 'portico';

/** Upstream's waits where it has them (5 minutes for endpoints and the address), ours elsewhere. */
const TIMEOUTS = {
  endpointsMs: 300_000,
  addressMs: 300_000,
  /** How long an Ingress of a foreign class is watched for an address that must not come. */
  noAddressMs: 30_000,
  namespaceDeletionMs: 180_000,
};
const SETTLE: EventualOptions = { timeoutMs: 60_000, intervalMs: 250, passesInARow: 1 };
const REQUEST: EventualOptions = { timeoutMs: 30_000, intervalMs: 250, passesInARow: 3 };
const SPREAD: EventualOptions = { timeoutMs: 120_000, intervalMs: 1_000, passesInARow: 1 };

export interface IngressSuiteOptions {
  kubeConfig: KubeConfig;
  reportPath: string;
  porticoVersion: string;
  /** Only scenarios whose name (or detail) contains this text. */
  only?: string;
  log: (line: string) => void;
}

export interface IngressSuiteRun {
  results: ScenarioResult[];
  seconds: number;
}

/** The Ingress as the scenario writes it, in its namespace, with Portico's class unless it names one. */
export function scenarioIngress(manifest: IngressManifest, namespace: string): IngressManifest {
  const spec = manifest.spec.ingressClassName === undefined ? { ingressClassName: PORTICO_INGRESS_CLASS, ...manifest.spec } : manifest.spec;
  return { ...manifest, metadata: { ...manifest.metadata, namespace }, spec };
}

class StepFailure extends Error {}

/** Seconds each phase of a scenario took, for the log (where a slow run spends its time). */
type Phases = Record<string, number>;

async function step<T>(what: string, run: () => Promise<T>, phases?: Phases, phase?: string): Promise<T> {
  const started = Date.now();
  try {
    return await run();
  } catch (error) {
    if (error instanceof StepFailure) throw error;
    throw new StepFailure(`${what}: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    if (phases && phase) phases[phase] = Math.round((Date.now() - started) / 100) / 10;
  }
}

async function waitForAddress(steps: ClusterSteps, namespace: string, name: string): Promise<string> {
  const deadline = Date.now() + TIMEOUTS.addressMs;
  for (;;) {
    const address = await steps.ingressAddress(namespace, name);
    if (address) return address;
    if (Date.now() > deadline) throw new Error(`no address in the status after ${TIMEOUTS.addressMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** Background and check of one scenario in `namespace`; throws a StepFailure naming the failed step. */
async function runSteps(steps: ClusterSteps, scenario: IngressScenario, namespace: string, phases: Phases): Promise<void> {
  const ingress = scenarioIngress(scenario.ingress, namespace);
  const name = ingress.metadata.name;
  for (const secret of scenario.tlsSecrets ?? []) {
    await step(`a self-signed TLS secret named "${secret.name}"`, () => steps.apply([tlsSecret(namespace, secret.name, secret.host)]));
  }
  const backends = echoBackendsOf(ingress);
  await step('the echo backends of the Ingress', async () => {
    await steps.apply(backends.flatMap((b) => echoBackendObjects(b, namespace, name)));
    for (const b of backends) await steps.waitForReadyEndpoints(namespace, b.serviceName, 1, TIMEOUTS.endpointsMs);
  }, phases, 'backends');
  await step(`an Ingress resource named "${name}"`, () => steps.apply([ingress]));

  if (scenario.check.kind === 'no-address') {
    const deadline = Date.now() + TIMEOUTS.noAddressMs;
    while (Date.now() < deadline) {
      const address = await step('The Ingress status should not contain the IP address or FQDN', () => steps.ingressAddress(namespace, name));
      if (address) throw new StepFailure(`The Ingress status should not contain the IP address or FQDN: it shows ${address}`);
      await new Promise((r) => setTimeout(r, 1_000));
    }
    return;
  }

  const address = await step('The Ingress status shows the IP address or FQDN where it is exposed', () => waitForAddress(steps, namespace, name), phases, 'address');
  if (scenario.scale) {
    const { service, replicas } = scenario.scale;
    const deployment = backends.find((b) => b.serviceName === service)?.deploymentName ?? `${name}-${service}`;
    await step(`The backend deployment "${service}" for the ingress resource is scaled to ${replicas}`, async () => {
      await steps.scaleDeployment(namespace, deployment, replicas);
      await steps.waitForReadyEndpoints(namespace, service, replicas, TIMEOUTS.endpointsMs);
    }, phases, 'scale');
  }
  const send: SendRequest = (request) => captureRoundTrip(request, address);
  const settle = settleRequest(ingress);
  if (settle) {
    const settled = await step('settle', () => eventually(async () => settledIn(namespace)(await send(settle)), SETTLE), phases, 'settle');
    if (settled.failure) throw new StepFailure(`the Ingress was never served at ${address}: ${settled.failure}`);
  }
  const check = scenario.check;
  const outcome = await step(
    'check',
    () =>
      check.kind === 'request'
        ? checkRequestEventually(send, check.request, check.expect, REQUEST)
        : checkSpreadEventually(send, check.request, check.requests, check.status, check.pods, SPREAD),
    phases,
    'check',
  );
  if (outcome.failure) throw new StepFailure(`${outcome.failure} (after ${outcome.attempts} attempt(s))`);
}

async function runScenario(steps: ClusterSteps, scenario: IngressScenario, log: (line: string) => void): Promise<ScenarioResult> {
  const started = Date.now();
  let reason: string | undefined;
  let namespace: string | undefined;
  const phases: Phases = {};
  try {
    namespace = await step('a new random namespace', () => steps.createNamespace());
    await runSteps(steps, scenario, namespace, phases);
  } catch (error) {
    reason = error instanceof Error ? error.message : String(error);
  }
  if (namespace) {
    try {
      await step('delete namespace', () => steps.deleteNamespace(namespace!, TIMEOUTS.namespaceDeletionMs), phases, 'cleanup');
    } catch (error) {
      // The next scenario could see this one's Ingress: say so, but the verdict stays this scenario's.
      log(`cleanup: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  const seconds = Math.round((Date.now() - started) / 100) / 10;
  log(`  phases (s): ${Object.entries(phases).map(([phase, s]) => `${phase} ${s}`).join(', ')}`);
  return { scenario, result: reason === undefined ? 'passed' : 'failed', ...(reason !== undefined ? { reason } : {}), seconds };
}

export async function runIngressSuite(options: IngressSuiteOptions): Promise<IngressSuiteRun> {
  const steps = createClusterSteps(options.kubeConfig);
  const started = Date.now();
  const leftovers = await steps.deleteLeftoverNamespaces();
  if (leftovers.length > 0) options.log(`deleted namespaces left by an earlier run: ${leftovers.join(', ')}`);
  const scenarios = INGRESS_SCENARIOS.filter((s) => !options.only || s.name.includes(options.only) || (s.detail ?? '').includes(options.only));
  const results: ScenarioResult[] = [];
  for (const scenario of scenarios) {
    const result = await runScenario(steps, scenario, options.log);
    results.push(result);
    const label = `${scenario.feature}: ${scenario.name}${scenario.detail ? ` (${scenario.detail})` : ''}`;
    options.log(`${result.result === 'passed' ? 'PASS' : 'FAIL'} ${label} (${result.seconds} s)${result.reason ? `: ${result.reason}` : ''}`);
  }
  const seconds = Math.round((Date.now() - started) / 1000);
  writeReport(options.reportPath, results, { date: new Date(started).toISOString(), porticoVersion: options.porticoVersion, ingressClass: PORTICO_INGRESS_CLASS, seconds });
  options.log(summaryLine(results, seconds));
  return { results, seconds };
}
