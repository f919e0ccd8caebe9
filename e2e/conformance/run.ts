/**
 * `npm run conformance`: the upstream conformance suites against Portico installed with its Helm chart
 * in the e2e cluster (e2e/cluster: control plane, kube-proxy, CoreDNS, LoadBalancer stub, the process
 * node agent running Envoy, echo-basic and Portico itself).
 *
 *   1. the cluster: a new one once the host's one cluster is free (stopped at the end), or with --reuse
 *      the one a developer started (`npm run cluster -- up`);
 *   2. Gateway API v1.7.0 CRDs (experimental channel), then `helm upgrade --install` of charts/portico;
 *   3. the Gateway API conformance suite (e2e/conformance/gateway-api), profiles in its portico-options.yaml;
 *      report: conformance/reports/v1.7.0/portico-report.yaml (a full run only; --run-test writes under .cache/);
 *   4. the Ingress conformance suite's scenarios, by our runner (e2e/conformance/ingress-suite.ts);
 *      report: conformance/reports/ingress/portico-report.yaml (a full run only; --scenario writes under .cache/).
 *
 * Options: --suite gateway-api|ingress|all (default all), --run-test NAME (one Gateway API conformance
 * test), --scenario TEXT (the Ingress scenarios whose name contains TEXT), --keep (leave the cluster
 * running for a look around), --reuse (use the running cluster: `npm run cluster -- up` first; nothing
 * else may be using it).
 * Needs root and the binaries: the npm script installs them (scripts/install-*.sh). Full output in
 * .cache/conformance/*.log; the exit code is non-zero when any test failed.
 */
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { readClusterConfig, runningOwner, type Cluster } from '../cluster/cluster.js';
import { startNodeAgent } from '../cluster/node-agent/index.js';
import { startClusterWhenFree } from '../test/support/kube/cluster-turn.js';
import { installGatewayApiCrds } from '../test/support/kube/kube-crds.js';
import { buildSuite, runSuite } from './gateway-api-suite.js';
import { conformanceStaticAddresses } from './static-addresses.js';
import { countVerdicts } from './go-test-results.js';
import { runIngressSuite } from './ingress-suite.js';
import { parseArgs } from './run-args.js';
import { installPortico } from './portico-install.js';
import { repoRoot } from '../cluster/repo-root.js';

const GATEWAY_API_VERSION = 'v1.7.0';
/** The chart values of the conformance install (see where it is installed for why). */
const PORTICO_VALUES = { 'envoy.namespaceMode': 'Gateway' };

const log = (line: string) => console.log(`conformance: ${line}`);

/**
 * A new cluster once the host's one cluster is free (another run's, or a test's, is waited for), or
 * with `reuse` the running one (a developer's `npm run cluster -- up`), returned with `stop` to call at the end.
 */
async function useCluster(keep: boolean, reuse: boolean): Promise<{ kubeconfigPath: string; kubeConfig: KubeConfig; loadBalancerCidr: string; stop: () => Promise<void> }> {
  const owner = reuse ? runningOwner() : undefined;
  const config = owner ? readClusterConfig(owner.stateDir) : undefined;
  if (reuse && !config) throw new Error('--reuse: no cluster is running (npm run cluster -- up)');
  if (owner && config) {
    log(`using the running cluster (pid ${owner.pid}, ${owner.stateDir})`);
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromFile(config.kubeconfigPath);
    return { kubeconfigPath: config.kubeconfigPath, kubeConfig, loadBalancerCidr: config.network.loadBalancerCidr, stop: async () => {} };
  }
  const started = Date.now();
  const cluster: Cluster = await startClusterWhenFree({ nodeAgent: startNodeAgent, log: (line) => log(`cluster: ${line}`) }, 3_600_000);
  log(`cluster up in ${Math.round((Date.now() - started) / 1000)} s`);
  return {
    kubeconfigPath: cluster.config.kubeconfigPath,
    kubeConfig: cluster.kubeConfig,
    loadBalancerCidr: cluster.config.network.loadBalancerCidr,
    stop: async () => {
      if (keep) return log(`cluster left running (--keep): KUBECONFIG=${cluster.config.kubeconfigPath}; stop it with npm run cluster -- down`);
      await cluster.stop();
    },
  };
}

async function runGatewayApiSuite(checkout: string, binary: string, cluster: { kubeconfigPath: string; loadBalancerCidr: string }, runTest: string | undefined): Promise<boolean> {
  const reportPath = runTest
    ? join(checkout, '.cache/conformance/portico-report.yaml')
    : join(checkout, `conformance/reports/${GATEWAY_API_VERSION}/portico-report.yaml`);
  const logPath = join(checkout, '.cache/conformance/gateway-api.log');
  const staticAddresses = conformanceStaticAddresses(cluster.loadBalancerCidr);
  log(`GatewayStaticAddresses: usable ${staticAddresses.usable} (in the LoadBalancer pool ${cluster.loadBalancerCidr}), unusable ${staticAddresses.unusable}`);
  const run = await runSuite(binary, { checkout, kubeconfigPath: cluster.kubeconfigPath, reportPath, logPath, runTest, staticAddresses, log });
  const counts = countVerdicts(run.tests);
  for (const test of run.tests.filter((t) => t.verdict === 'FAIL')) log(`failed: ${test.name}`);
  log(`Gateway API ${GATEWAY_API_VERSION} suite: ${counts.PASS} passed, ${counts.FAIL} failed, ${counts.SKIP} skipped in ${run.seconds} s (exit ${run.exitCode})`);
  log(`report: ${relative(checkout, reportPath)}; full output: ${relative(checkout, logPath)}`);
  return run.exitCode === 0;
}

async function runIngressScenarios(checkout: string, kubeConfig: KubeConfig, scenario: string | undefined): Promise<boolean> {
  const reportPath = scenario ? join(checkout, '.cache/conformance/ingress-report.yaml') : join(checkout, 'conformance/reports/ingress/portico-report.yaml');
  const porticoVersion = (JSON.parse(readFileSync(join(checkout, 'package.json'), 'utf8')) as { version: string }).version;
  const run = await runIngressSuite({ kubeConfig, reportPath, porticoVersion, only: scenario, log: (line) => log(`ingress: ${line}`) });
  log(`report: ${relative(checkout, reportPath)}`);
  return run.results.every((r) => r.result === 'passed');
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  const checkout = repoRoot();
  const started = Date.now();
  const gatewayApi = args.suite !== 'ingress';
  const ingress = args.suite !== 'gateway-api';
  // Compile the suite before the cluster starts: a build failure should not cost a cluster start.
  const binary = gatewayApi ? buildSuite(checkout, log) : undefined;
  const cluster = await useCluster(args.keep, args.reuse);
  // With --keep the process must wait for nothing but the suite; stop() is still awaited below.
  if (args.keep) process.once('SIGINT', () => process.exit(130));
  try {
    // Portico watches Gateway API kinds whatever the suite: its CRDs are installed either way.
    await installGatewayApiCrds(cluster.kubeConfig);
    log(`Gateway API ${GATEWAY_API_VERSION} CRDs installed`);
    // envoy.namespaceMode=Gateway: each Gateway's Envoy Deployment, Service and ServiceAccount in the
    // Gateway's own namespace. GatewayInfrastructureMetadata (GatewayInfrastructurePropagation) lists
    // those, by gateway.networking.k8s.io/gateway-name, in the Gateway's namespace only, so with the
    // chart's default (all in portico-system) it finds nothing.
    await installPortico({ checkout, kubeconfigPath: cluster.kubeconfigPath, kubeConfig: cluster.kubeConfig, values: PORTICO_VALUES, log });

    let ok = true;
    if (binary) ok = (await runGatewayApiSuite(checkout, binary, cluster, args.runTest)) && ok;
    if (ingress) ok = (await runIngressScenarios(checkout, cluster.kubeConfig, args.scenario)) && ok;
    log(`whole run: ${Math.round((Date.now() - started) / 1000)} s`);
    return ok ? 0 : 1;
  } finally {
    await cluster.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
