/**
 * The infrastructure manager: for every accepted Gateway of ours, an Envoy Deployment, its Service,
 * ConfigMap and ServiceAccount, kept as the Gateway says (server-side apply, field manager
 * `portico`), and deleted when the Gateway goes away or stops being ours. Owner references let
 * Kubernetes' garbage collector clean up too, but nothing here relies on it.
 *
 * Writes happen only when something changed: the manager remembers the hash of what it applied to
 * each object, so a pass over unchanged Gateways sends no request. A resync (the first pass, then
 * periodically, and whenever a list failed) lists what exists to find objects deleted or edited
 * behind its back and orphans left from before a restart. Errors never escape: they are logged and
 * the pass is retried with backoff; passes run one at a time, and calls made meanwhile coalesce.
 */
import { performance } from 'node:perf_hooks';
import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import type { GatewayIR } from '@portico/ir';
import type { GatewayListenerPorts } from './envoy-service.js';
import type { KubernetesLogger } from '@portico/provider';
import type { Gateway, GatewayStatusAddress } from '@portico/resources';
import type { GatewayReadiness, UnusableGatewayAddress } from '@portico/translator';
import { createAddressBook, type ServiceLocation } from './address-book.js';
import { desiredObject, liveMatches, objectKey, type DesiredObject } from './applied-objects.js';
import { createClientCertificates, type ClientCertificates } from './client-certificates.js';
import { buildEnvoyManifests } from './envoy-manifests.js';
import { createInfrastructureClient, MANAGED_KINDS, type InfrastructureClient, type InfrastructureRequests, type ManagedKind } from './infrastructure-client.js';
import { envoyResourceName, GATEWAY_ANNOTATION } from './infrastructure-names.js';
import { resolveInfrastructureOptions, type EnvoyInfrastructureOptions } from './infrastructure-options.js';
import { createReplicaReadiness, type DeploymentReadinessSource } from './replica-readiness.js';
import type { ServiceAddressSource } from './service-addresses.js';

export interface ManagedGateway {
  gateway: Gateway;
  /** Its IR, or what the Envoy Service needs of it (envoy-service.ts). */
  ir: GatewayIR | GatewayListenerPorts;
  /** Where its objects go when the options name no namespace (default: the Gateway's own). */
  namespace?: string;
  /**
   * Default true: its Deployment is read in the background for `readiness()` (a Gateway's Programmed
   * condition). False for a gateway without conditions (an IngressClass's), whose Deployment is then
   * not read again.
   */
  readinessReported?: boolean;
}

export interface InfrastructureManagerOptions {
  kubeConfig: KubeConfig;
  logger: KubernetesLogger;
  options: EnvoyInfrastructureOptions;
  /** The provider's view of Services (it watches them); a GET is the fallback. */
  serviceLookup?: (namespace: string, name: string) => ServiceAddressSource | undefined;
  /** A Gateway's addresses changed (e.g. its load balancer got an IP): translate again. */
  onAddressesChanged?: (gatewayKey: string) => void;
  /** A Gateway's ready Envoy replicas changed (e.g. its first pod became ready): translate again. */
  onReadinessChanged?: (gatewayKey: string) => void;
  /** Readiness is known from now on (the first list of what exists): translate again, once, for every Gateway. */
  onReadinessKnown?: () => void;
  /** Time between reads of an Envoy Deployment with no available replica; default 1 s. */
  readinessPollMs?: number;
  /** Time between reads of an Envoy Deployment with an available replica; default 30 s. */
  readinessRefreshMs?: number;
  /** Time between resyncs; default 5 minutes. */
  resyncIntervalMs?: number;
  /** Retry delay after a failed pass, doubling up to `max`; default 1 s to 60 s. */
  retryDelayMs?: { initial: number; max: number };
  /** The API calls; default client-node against `kubeConfig`. */
  client?: InfrastructureClient;
}

export interface InfrastructurePass {
  /** `error`: something failed and a retry is scheduled. */
  result: 'success' | 'error';
  /** This pass listed what exists. */
  resynced: boolean;
  applied: number;
  deleted: number;
  unchanged: number;
  failures: number;
  /** API requests this pass sent. */
  requests: number;
  durationMs: number;
}

export interface InfrastructureManager {
  /**
   * Makes the cluster's Envoy workloads match these Gateways (keyed `namespace/name`): every Gateway
   * of ours, so call it only once the provider has synced. Never rejects.
   */
  reconcile(gateways: ReadonlyMap<string, ManagedGateway>): Promise<InfrastructurePass>;
  /** A pass that lists what exists first (drift, orphans) with the last Gateways given. */
  resync(): Promise<InfrastructurePass>;
  /** The Gateway's `status.addresses`: always a list, empty until its Service has an address. */
  addresses(gatewayKey: string): GatewayStatusAddress[];
  /**
   * The Gateway's static addresses its Service has not had for `options.addressWaitSeconds`; none
   * while the Service asks for something else than `requested` (the Gateway's values now).
   */
  unusableAddresses(gatewayKey: string, requested?: readonly string[]): UnusableGatewayAddress[];
  /**
   * The Gateway's Envoy replicas, ready of wanted (from its Deployment's status); 0 ready until its
   * Deployment is known. Undefined until this manager's first list of what exists (a replica that
   * just started or just became leader): it knows nothing yet, and a Gateway programmed before must
   * not flap to Pending and back.
   */
  readiness(gatewayKey: string): GatewayReadiness | undefined;
  requests(): InfrastructureRequests;
  stop(): void;
}

const EMPTY_PASS: InfrastructurePass = { result: 'success', resynced: false, applied: 0, deleted: 0, unchanged: 0, failures: 0, requests: 0, durationMs: 0 };
const DELETE_ORDER: readonly ManagedKind[] = ['Deployment', 'Service', 'ConfigMap', 'Secret', 'ServiceAccount'];

export function createInfrastructureManager(managerOptions: InfrastructureManagerOptions): InfrastructureManager {
  const { logger, options } = managerOptions;
  const client = managerOptions.client ?? createInfrastructureClient(managerOptions.kubeConfig);
  const retry = managerOptions.retryDelayMs ?? { initial: 1_000, max: 60_000 };
  /** Namespaces given by ManagedGateway.namespace, by gateway key (the last reconcile's). */
  let ownNamespaces = new Map<string, string>();
  const serviceFor = (gatewayKey: string): ServiceLocation => {
    const [namespace = '', name = ''] = gatewayKey.split('/');
    return { namespace: options.namespace ?? ownNamespaces.get(gatewayKey) ?? namespace, name: envoyResourceName(namespace, name) };
  };
  /** GETs sent in the background (addresses, readiness), left out of a pass's request count. */
  let backgroundGets = 0;
  const backgroundGet = (kind: ManagedKind, location: ServiceLocation) => {
    backgroundGets++;
    return client.get(kind, location.namespace, location.name);
  };
  const book = createAddressBook({
    serviceFor,
    ...(managerOptions.serviceLookup ? { lookup: managerOptions.serviceLookup } : {}),
    ...(managerOptions.onAddressesChanged ? { onChanged: managerOptions.onAddressesChanged } : {}),
    fetch: (location) => backgroundGet('Service', location) as Promise<ServiceAddressSource | undefined>,
    onFetchError: (gateway, error) => logger.warn('reading the Envoy Service failed', { gateway, error: String(error) }),
    refetchAfterMs: 10_000,
    unusableAfterMs: resolveInfrastructureOptions(options).addressWaitSeconds * 1000,
  });
  const replicas = createReplicaReadiness({
    deploymentFor: serviceFor,
    ...(managerOptions.onReadinessChanged ? { onChanged: managerOptions.onReadinessChanged } : {}),
    fetch: (location) => backgroundGet('Deployment', location) as Promise<DeploymentReadinessSource | undefined>,
    onFetchError: (gateway, error) => logger.warn('reading the Envoy Deployment failed', { gateway, error: String(error) }),
    pollMs: managerOptions.readinessPollMs ?? 1_000,
    refreshMs: managerOptions.readinessRefreshMs ?? 30_000,
  });

  // Without per-Gateway certificates there are no Secrets of ours, and no need to list (or be allowed to list) Secrets.
  const kinds = options.clientCertificates ? MANAGED_KINDS : MANAGED_KINDS.filter((kind) => kind !== 'Secret');
  const certificates: ClientCertificates | undefined = options.clientCertificates
    ? createClientCertificates({ options: options.clientCertificates, logger, fetchSecret: (namespace, name) => client.get('Secret', namespace, name) })
    : undefined;

  /** Key → hash of what was applied; '' for objects that exist (or may) in an unknown state. */
  const applied = new Map<string, string>();
  /** Undefined until the first reconcile: before the server knows the Gateways, an empty map would delete every Envoy. */
  let gateways: ReadonlyMap<string, ManagedGateway> | undefined;
  let resyncDue = true;
  /** A list of what exists has succeeded: Deployments not known since are not there (yet). */
  let listed = false;
  let stopped = false;
  let retryDelay = retry.initial;
  let retryTimer: NodeJS.Timeout | undefined;
  let tail: Promise<unknown> = Promise.resolve();
  let queued: Promise<InfrastructurePass> | undefined;

  const resyncTimer = setInterval(() => {
    resyncDue = true;
    if (gateways) void reconcile(gateways);
  }, managerOptions.resyncIntervalMs ?? 5 * 60_000);
  resyncTimer.unref();

  function reconcile(next: ReadonlyMap<string, ManagedGateway>): Promise<InfrastructurePass> {
    gateways = next;
    // A pass not started yet will read the latest Gateways: calls made during a pass coalesce into one.
    if (queued) return queued;
    const pass = tail.then(() => {
      queued = undefined;
      return runPass(gateways!).catch((error: unknown) => {
        logger.error('Envoy infrastructure pass failed', { error: String(error) });
        scheduleRetry(true);
        return { ...EMPTY_PASS, result: 'error' as const, failures: 1 };
      });
    });
    queued = pass;
    tail = pass;
    return pass;
  }

  async function runPass(current: ReadonlyMap<string, ManagedGateway>): Promise<InfrastructurePass> {
    const started = performance.now();
    const before = totalRequests();
    const counts = { applied: 0, deleted: 0, unchanged: 0, failures: 0 };
    const resynced = resyncDue;
    const readinessWasKnown = listed;
    // Listed before the manifests are built: a Gateway's stored client certificate is kept, not reissued.
    const live = resyncDue ? await listLive(counts) : undefined;
    if (certificates && !(await certificates.loadAuthority(resynced))) counts.failures++;
    await certificates?.prepare(current.keys());
    const { desired, kept } = desiredObjects(current, counts);
    if (live) adoptLive(live, desired);
    for (const want of desired.values()) await applyIfChanged(want, counts);
    await deleteUnwanted(desired, kept, counts);
    book.retain(new Set(current.keys()));
    replicas.track(new Set([...current].flatMap(([key, managed]) => (managed.readinessReported === false ? [] : [key]))));
    certificates?.retain(new Set(current.keys()));
    if (!readinessWasKnown && listed) managerOptions.onReadinessKnown?.();

    const pass: InfrastructurePass = {
      result: counts.failures > 0 ? 'error' : 'success',
      resynced,
      ...counts,
      requests: totalRequests() - before,
      durationMs: Math.round((performance.now() - started) * 10) / 10,
    };
    if (counts.applied || counts.deleted || counts.failures) logger.info('Envoy infrastructure reconciled', { ...pass });
    scheduleRetry(pass.result === 'error');
    return pass;
  }

  /** Every object the Gateways need; `kept`: objects of Gateways that cannot be built now, left as they are. */
  function desiredObjects(current: ReadonlyMap<string, ManagedGateway>, counts: { failures: number }) {
    const desired = new Map<string, DesiredObject>();
    const kept = new Set<string>();
    ownNamespaces = new Map([...current].flatMap(([key, managed]) => (managed.namespace ? [[key, managed.namespace] as const] : [])));
    for (const [gatewayKey, { gateway, ir, namespace }] of current) {
      const location = serviceFor(gatewayKey);
      const keyOf = (kind: ManagedKind) => objectKey(kind, location.namespace, location.name);
      try {
        const clientCertificate = certificates?.certificateFor(gatewayKey);
        const manifests = buildEnvoyManifests(gateway, ir, options.namespace || !namespace ? options : { ...options, namespace }, clientCertificate);
        // The Secret before the Deployment that mounts it (desired keeps this order for the applies).
        for (const manifest of [manifests.serviceAccount, manifests.configMap, manifests.clientSecret, manifests.service, manifests.deployment]) {
          if (manifest) desired.set(keyOf(manifest.kind as ManagedKind), desiredObject(manifest as KubernetesObject));
        }
        if (!manifests.service) kept.add(keyOf('Service'));
      } catch (error) {
        counts.failures++;
        logger.error('cannot build the Envoy infrastructure of a Gateway', { gateway: gatewayKey, error: String(error) });
        for (const kind of MANAGED_KINDS) kept.add(keyOf(kind));
      }
    }
    return { desired, kept };
  }

  /** Every object of ours that exists; undefined when a list failed (the next pass lists again). */
  async function listLive(counts: { failures: number }): Promise<Map<string, KubernetesObject> | undefined> {
    const live = new Map<string, KubernetesObject>();
    try {
      for (const kind of kinds) {
        for (const object of await client.listManaged(kind, options.namespace)) {
          live.set(objectKey(kind, object.metadata!.namespace!, object.metadata!.name!), object);
        }
      }
    } catch (error) {
      counts.failures++;
      logger.error('listing the Envoy infrastructure failed', { error: String(error) });
      return undefined;
    }
    for (const object of live.values()) {
      const gatewayKey = object.metadata?.annotations?.[GATEWAY_ANNOTATION];
      if (object.kind === 'Secret' && gatewayKey) certificates?.remember(gatewayKey, object);
    }
    return live;
  }

  /** What exists becomes what was applied: unchanged objects are not written again, drift and orphans are. */
  function adoptLive(live: ReadonlyMap<string, KubernetesObject>, desired: ReadonlyMap<string, DesiredObject>): void {
    resyncDue = false;
    listed = true;
    applied.clear();
    for (const [key, object] of live) {
      const want = desired.get(key);
      applied.set(key, want && liveMatches(want, object) ? want.hash : '');
      const gatewayKey = object.metadata?.annotations?.[GATEWAY_ANNOTATION];
      if (object.kind === 'Service' && gatewayKey) book.remember(gatewayKey, object as ServiceAddressSource);
      if (object.kind === 'Deployment' && gatewayKey) replicas.remember(gatewayKey, object as DeploymentReadinessSource);
    }
  }

  async function applyIfChanged(want: DesiredObject, counts: { applied: number; unchanged: number; failures: number }): Promise<void> {
    if (applied.get(want.key) === want.hash) {
      counts.unchanged++;
      return;
    }
    try {
      const stored = await client.apply(want.object);
      applied.set(want.key, want.hash);
      counts.applied++;
      logger.debug('applied', { kind: want.kind, namespace: want.namespace, name: want.name });
      const gatewayKey = stored.metadata?.annotations?.[GATEWAY_ANNOTATION];
      if (want.kind === 'Service' && gatewayKey) book.remember(gatewayKey, stored as ServiceAddressSource);
      if (want.kind === 'Secret' && gatewayKey) certificates?.remember(gatewayKey, stored);
      if (want.kind === 'Deployment' && gatewayKey) replicas.remember(gatewayKey, stored as DeploymentReadinessSource);
    } catch (error) {
      applied.set(want.key, '');
      counts.failures++;
      logger.error('applying an Envoy infrastructure object failed', { kind: want.kind, namespace: want.namespace, name: want.name, error: String(error) });
    }
  }

  async function deleteUnwanted(desired: ReadonlyMap<string, DesiredObject>, kept: ReadonlySet<string>, counts: { deleted: number; failures: number }) {
    const unwanted = [...applied.keys()].filter((key) => !desired.has(key) && !kept.has(key));
    unwanted.sort((a, b) => DELETE_ORDER.indexOf(a.split('/')[0] as ManagedKind) - DELETE_ORDER.indexOf(b.split('/')[0] as ManagedKind));
    for (const key of unwanted) {
      const [kind, namespace, name] = key.split('/') as [ManagedKind, string, string];
      try {
        await client.remove(kind, namespace, name);
        applied.delete(key);
        counts.deleted++;
        logger.info('deleted', { kind, namespace, name });
      } catch (error) {
        counts.failures++;
        logger.error('deleting an Envoy infrastructure object failed', { kind, namespace, name, error: String(error) });
      }
    }
  }

  function scheduleRetry(failed: boolean): void {
    clearTimeout(retryTimer);
    retryTimer = undefined;
    if (!failed) {
      retryDelay = retry.initial;
      return;
    }
    if (stopped) return;
    retryTimer = setTimeout(() => void reconcile(gateways!), retryDelay);
    retryTimer.unref();
    retryDelay = Math.min(retryDelay * 2, retry.max);
  }

  function totalRequests(): number {
    const r = client.requests();
    return r.applies + r.lists + r.gets + r.deletes - backgroundGets;
  }

  return {
    reconcile,
    resync() {
      resyncDue = true;
      return gateways ? reconcile(gateways) : Promise.resolve(EMPTY_PASS);
    },
    addresses: (gatewayKey) => book.addresses(gatewayKey),
    unusableAddresses: (gatewayKey, requested) => book.unusable(gatewayKey, requested),
    readiness: (gatewayKey) => (listed ? replicas.readiness(gatewayKey) : undefined),
    requests: () => client.requests(),
    stop() {
      stopped = true;
      clearInterval(resyncTimer);
      clearTimeout(retryTimer);
      replicas.stop();
      book.stop();
    },
  };
}
