/**
 * `portico serve --kubernetes`: the cluster's sources. A module of its own, imported only with
 * --kubernetes, because it loads @kubernetes/client-node.
 */
import { KubeConfig } from '@kubernetes/client-node';
import { createKubernetesProvider } from '@portico/provider/kubernetes';
import type { Logger } from '@portico/server';
import { createKubernetesController } from '@portico/server/kubernetes';
import { DEFAULT_CONTROLLER_NAME } from '@portico/translator';
import { CliError, errorMessage } from '../../args.js';
import type { ServeArgs } from './serve-args.js';

/** The cluster's provider and the leader's status writer and Envoy workloads (@portico/server kubernetes-controller.ts). */
export function kubernetesSources(args: NonNullable<ServeArgs['kubernetes']>, controllerName: string | undefined, logger: Logger) {
  const kubeConfig = new KubeConfig();
  try {
    if (args.kubeconfig) kubeConfig.loadFromFile(args.kubeconfig);
    else kubeConfig.loadFromDefault();
  } catch (error) {
    throw new CliError(`cannot load the cluster credentials${args.kubeconfig ? ` from '${args.kubeconfig}'` : ''}: ${errorMessage(error)}`);
  }
  const server = kubeConfig.getCurrentCluster()?.server;
  if (!server) throw new CliError('no Kubernetes cluster configured: give --kubeconfig FILE, set KUBECONFIG, or run in a pod');
  const provider = createKubernetesProvider({ kubeConfig, logger, ...(args.secretNamespaces ? { secretNamespaces: args.secretNamespaces } : {}) });
  const controller = createKubernetesController({
    kubeConfig,
    logger,
    controllerName: controllerName ?? DEFAULT_CONTROLLER_NAME,
    namespace: args.namespace,
    identity: args.identity,
    latestObject: (kind, namespace, name) => provider.latest(kind, namespace, name),
    ...(args.statusQps ? { statusQps: args.statusQps } : {}),
    ...(args.statusBurst ? { statusBurst: args.statusBurst } : {}),
    ...(args.manageEnvoys ? { infrastructure: args.envoy } : {}),
    ...leaseTimingsFromEnv(),
  });
  return { provider, controller, server };
}

/**
 * Lease timings in milliseconds from PORTICO_LEASE_DURATION_MS / _RENEW_DEADLINE_MS / _RETRY_PERIOD_MS:
 * for tests that kill a leader, which would otherwise wait client-go's 15 s. Not a user setting.
 */
function leaseTimingsFromEnv() {
  const read = (name: string) => {
    const value = Number(process.env[name]);
    return Number.isFinite(value) && value > 0 ? value : undefined;
  };
  const timings = { leaseDurationMs: read('PORTICO_LEASE_DURATION_MS'), renewDeadlineMs: read('PORTICO_RENEW_DEADLINE_MS'), retryPeriodMs: read('PORTICO_RETRY_PERIOD_MS') };
  return Object.fromEntries(Object.entries(timings).filter(([, v]) => v !== undefined));
}
