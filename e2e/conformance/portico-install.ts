/**
 * Portico installed the way users install it: `helm upgrade --install` of charts/portico (the certgen
 * hook Job, the Portico Deployment, the GatewayClass and IngressClass `portico`), with the chart's
 * default values but the ones a one-node conformance cluster needs. The node agent runs the image
 * `portico:<appVersion>` from this checkout (e2e/cluster/node-agent/containers/images.ts), so what runs is the
 * compiled code of this working tree (`tsc -b` first).
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { kubeRequest } from '../test/support/kube/kube-apply.js';
import { describeNamespace } from './namespace-diagnosis.js';
import { pollUntil } from '../test/support/wait.js';

export const PORTICO_NAMESPACE = 'portico-system';
export const PORTICO_RELEASE = 'portico';
export const GATEWAY_CLASS = 'portico';

export interface InstallOptions {
  checkout: string;
  kubeconfigPath: string;
  kubeConfig: KubeConfig;
  /** Extra `--set` values, e.g. replicas=1. */
  values?: Record<string, string>;
  log: (line: string) => void;
}

function helm(args: string[], kubeconfigPath: string, log: (line: string) => void): Promise<void> {
  const helmBin = process.env.HELM_BIN;
  if (!helmBin) throw new Error('HELM_BIN is not set (eval "$(bash scripts/install-kube-tools.sh)")');
  return new Promise((resolve, reject) => {
    const child = spawn(helmBin, args, { env: { ...process.env, KUBECONFIG: kubeconfigPath }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code === 0) {
        log(`helm ${args[0]}: ok`);
        resolve();
      } else {
        reject(new Error(`helm ${args.join(' ')} exited with ${code}:\n${output}`));
      }
    });
  });
}

interface Condition {
  type: string;
  status: string;
}

/** Installs (or upgrades) the release and waits until its Deployment is available and the GatewayClass Accepted. */
export async function installPortico(options: InstallOptions): Promise<void> {
  const set = Object.entries(options.values ?? {}).flatMap(([key, value]) => ['--set', `${key}=${value}`]);
  const started = Date.now();
  // --wait: the pre-install certgen Job has run and the Deployment's pods are Ready.
  await helm(['upgrade', '--install', PORTICO_RELEASE, join(options.checkout, 'charts/portico'), '--namespace', PORTICO_NAMESPACE, '--create-namespace', '--wait', '--timeout', '5m', ...set], options.kubeconfigPath, options.log).catch(
    async (error: Error) => {
      // Say why the pods never got Ready (a crash, a probe, the hook Job), not only that helm gave up.
      throw new Error(`${error.message}
${await describeNamespace(options.kubeConfig, PORTICO_NAMESPACE)}`, { cause: error });
    },
  );
  await pollUntil(
    `GatewayClass ${GATEWAY_CLASS} Accepted`,
    async () => {
      const response = await kubeRequest(options.kubeConfig, 'GET', `/apis/gateway.networking.k8s.io/v1/gatewayclasses/${GATEWAY_CLASS}`);
      const conditions = ((response.body as { status?: { conditions?: Condition[] } }).status?.conditions ?? []);
      return response.status === 200 && conditions.some((c) => c.type === 'Accepted' && c.status === 'True');
    },
    120_000,
    500,
  );
  options.log(`Portico installed with its chart in ${Math.round((Date.now() - started) / 1000)} s`);
}
