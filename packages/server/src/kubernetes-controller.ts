/**
 * What `portico serve --kubernetes` does to the cluster besides serving xDS: status write-back and
 * the Envoy workloads of each Gateway. Every replica translates and serves xDS; only the holder of
 * the Lease (leader election) writes statuses and manages Envoy Deployments, so replicas never fight
 * over an object. A replica that becomes leader reconciles at once (the statuses and workloads of
 * everything it already knows), and one that loses the Lease stops writing.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { type DesiredStatus, type ProviderSnapshot, type StatusWriteFigures } from '@portico/provider';
import { createLeaderElector, createStatusWriter } from '@portico/provider/kubernetes';
import type { Gateway, GatewayStatusAddress, Kind, KubeObject } from '@portico/resources';
import type { GatewayIR } from '@portico/ir';
import { WRITTEN_CONDITION_TYPES, type GatewayReadiness, type UnusableGatewayAddress } from '@portico/translator';
import { createInfrastructureManager, type ManagedGateway } from './infrastructure/infrastructure-manager.js';
import type { EnvoyInfrastructureOptions } from './infrastructure/infrastructure-options.js';
import type { GatewayListenerPorts } from './infrastructure/envoy-service.js';
import type { ServiceAddressSource } from './infrastructure/service-addresses.js';
import { errorFields, type Logger } from './logger.js';
import type { TranslatedState } from './reconcile/translated-state.js';

export interface KubernetesControllerOptions {
  kubeConfig: KubeConfig;
  controllerName: string;
  logger: Logger;
  /** Portico's own namespace: where the Lease lives. */
  namespace: string;
  /** This replica's identity in the Lease (the pod name). */
  identity: string;
  /** Default `portico-leader`. */
  leaseName?: string;
  /** Envoy Deployments per Gateway; `undefined`: Envoys are deployed some other way (and Gateway addresses come from `spec.addresses`). */
  infrastructure?: EnvoyInfrastructureOptions;
  /** Lease timings (tests shorten them); client-go's defaults otherwise. */
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  /** Status writes per second (token bucket) and burst. */
  statusQps?: number;
  statusBurst?: number;
  /**
   * The latest watched object (KubernetesProvider.latest): newer than the served snapshot's when only
   * its status changed, which is what the status writer needs. The served snapshot otherwise.
   */
  latestObject?: (kind: Kind, namespace: string | undefined, name: string) => KubeObject | undefined;
}

export interface ClusterFigures {
  leader: boolean;
  statusWrites: StatusWriteFigures;
}

export interface KubernetesController {
  /** For the translator: a managed Gateway's addresses come from its Envoy Service. */
  gatewayAddresses(gateway: string): GatewayStatusAddress[] | undefined;
  /** For the translator: the static addresses a managed Gateway's Envoy Service has not been given. */
  gatewayUnusableAddresses(gateway: string, requested: readonly string[]): readonly UnusableGatewayAddress[] | undefined;
  /** For the translator: a managed Gateway is Programmed once its Envoy Deployment has a ready replica. */
  gatewayReadiness(gateway: string): GatewayReadiness | undefined;
  /** Starts leader election; `reconcileAgain` re-runs the last reconcile (on leadership or new addresses). */
  start(current: () => ProviderSnapshot, reconcileAgain: () => void): void;
  /** After each successful reconcile: the leader writes what changed. */
  afterReconcile(state: TranslatedState, snapshot: ProviderSnapshot): void;
  isLeader(): boolean;
  figures(): ClusterFigures;
  /** Releases the Lease (so another replica leads at once) and stops writing. */
  stop(): Promise<void>;
}

export function createKubernetesController(options: KubernetesControllerOptions): KubernetesController {
  const { kubeConfig, logger } = options;
  let current: (() => ProviderSnapshot) | undefined;
  let reconcileAgain: () => void = () => undefined;
  let lastStatuses: TranslatedState['result']['statuses'] | undefined;

  const statusWriter = createStatusWriter({
    kubeConfig,
    controllerName: options.controllerName,
    ownedConditionTypes: WRITTEN_CONDITION_TYPES,
    logger,
    ...(options.statusQps ? { qps: options.statusQps } : {}),
    ...(options.statusBurst ? { burst: options.statusBurst } : {}),
    currentObject: (kind, namespace, name) => options.latestObject?.(kind, namespace, name) ?? current?.().resources.get(kind, namespace, name),
  });

  const infrastructure = options.infrastructure
    ? createInfrastructureManager({
        kubeConfig,
        logger,
        options: options.infrastructure,
        serviceLookup: (namespace, name) => current?.().resources.get('Service', namespace, name) as ServiceAddressSource | undefined,
        onAddressesChanged: (gateway) => {
          logger.info('gateway addresses changed: translating again', { gateway });
          reconcileAgain();
        },
        onReadinessChanged: (gateway) => {
          logger.info('gateway Envoy readiness changed: translating again', { gateway });
          reconcileAgain();
        },
        onReadinessKnown: () => {
          logger.info('Envoy Deployments listed: translating again with their readiness');
          reconcileAgain();
        },
      })
    : undefined;

  const elector = createLeaderElector({
    kubeConfig,
    namespace: options.namespace,
    name: options.leaseName ?? 'portico-leader',
    identity: options.identity,
    logger,
    ...(options.leaseDurationMs ? { leaseDurationMs: options.leaseDurationMs } : {}),
    ...(options.renewDeadlineMs ? { renewDeadlineMs: options.renewDeadlineMs } : {}),
    ...(options.retryPeriodMs ? { retryPeriodMs: options.retryPeriodMs } : {}),
    onStartedLeading: () => {
      logger.info('leading: writing statuses and managing Envoy workloads', { identity: options.identity });
      lastStatuses = undefined;
      reconcileAgain();
    },
    onStoppedLeading: () => logger.warn('no longer leading: statuses and Envoy workloads are left to the new leader', { identity: options.identity }),
  });

  /**
   * Every translated gateway with its IR, for the infrastructure manager: the Gateways, and the
   * synthetic gateway of each IngressClass (`ingressclass/<class>`), which has no object of its own —
   * it gets a stand-in without a uid (so no owner reference) whose workloads live in the Envoy
   * namespace, or Portico's own, since `ingressclass` is no namespace.
   */
  function managedGateways(translated: ReadonlyMap<string, GatewayIR | GatewayListenerPorts>, snapshot: ProviderSnapshot): Map<string, ManagedGateway> {
    const gateways = new Map<string, ManagedGateway>();
    for (const [key, ir] of [...translated].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      const slash = key.indexOf('/');
      const [namespace, name] = [key.slice(0, slash), key.slice(slash + 1)];
      const gateway = snapshot.resources.get('Gateway', namespace, name) as Gateway | undefined;
      if (gateway) gateways.set(key, { gateway, ir });
      else if (namespace === INGRESS_GATEWAY_NAMESPACE && snapshot.resources.get('IngressClass', undefined, name)) {
        gateways.set(key, { gateway: ingressStandIn(name), ir, namespace: options.infrastructure?.namespace ?? options.namespace, readinessReported: false });
      }
    }
    return gateways;
  }

  return {
    gatewayAddresses(gateway) {
      return infrastructure?.addresses(gateway);
    },
    gatewayUnusableAddresses(gateway, requested) {
      return infrastructure?.unusableAddresses(gateway, requested);
    },
    gatewayReadiness(gateway) {
      return infrastructure?.readiness(gateway);
    },
    start(currentSnapshot, again) {
      current = currentSnapshot;
      reconcileAgain = again;
      elector.start();
    },
    afterReconcile(state, snapshot) {
      if (!elector.isLeader()) return;
      const { result } = state;
      // The EndpointSlice fast path keeps the statuses object: nothing to write then.
      if (result.statuses !== lastStatuses) {
        lastStatuses = result.statuses;
        statusWriter.update([...result.statuses.values()].map((s): DesiredStatus => ({ kind: s.kind, ...(s.namespace ? { namespace: s.namespace } : {}), name: s.name, status: s.status as unknown as Record<string, unknown> })));
      }
      // The Envoy Services' ports: the listeners' types and ports the translation came with (the IR only when it has none).
      if (infrastructure) {
        (state.listenerPorts ? Promise.resolve(state.listenerPorts) : state.ir())
          .then((gateways) => infrastructure.reconcile(managedGateways(gateways, snapshot)))
          .catch((error: unknown) => logger.error('managing Envoy workloads failed', errorFields(error)));
      }
    },
    isLeader: () => elector.isLeader(),
    figures: () => ({ leader: elector.isLeader(), statusWrites: statusWriter.figures() }),
    async stop() {
      infrastructure?.stop();
      await elector.stop();
      await statusWriter.stop();
    },
  };
}

/** The namespace part of an IngressClass's gateway key (@portico/translator ingress-gateway.ts). */
const INGRESS_GATEWAY_NAMESPACE = 'ingressclass';

function ingressStandIn(className: string): Gateway {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'Gateway',
    metadata: { namespace: INGRESS_GATEWAY_NAMESPACE, name: className },
    spec: { gatewayClassName: className, listeners: [] },
  };
}
