/**
 * The contracts of the Kubernetes side of the provider package: the informer-backed provider, the
 * status writer and Lease-based leader election. The server composes them (packages/server); each is
 * tested against a real kube-apiserver (e2e/test/support/kube/kube-apiserver.ts).
 */
import type { KubeConfig } from '@kubernetes/client-node';
import type { Kind, KubeObject } from '@portico/resources';
import type { ResourceProvider } from '../types.js';

/** Log sink shared by the Kubernetes pieces (winston's logger fits it). */
export interface KubernetesLogger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export interface KubernetesProviderOptions {
  kubeConfig: KubeConfig;
  logger?: KubernetesLogger;
  /** Debounce of published snapshots: hold-off after the last event, and the longest wait. */
  debounceMs?: number;
  maxDelayMs?: number;
  /**
   * Watch Secrets in these namespaces only, one list/watch each, instead of cluster-wide: for
   * credentials that may read Secrets only there (the chart's `rbac.secretNamespaces`). A reference to
   * a Secret elsewhere then finds nothing, as if it did not exist. Absent or empty: every namespace.
   */
  secretNamespaces?: readonly string[];
}

export interface KubernetesProvider extends ResourceProvider {
  /** True once every informer has listed (the first snapshot is complete). */
  synced(): boolean;
  /**
   * The latest object watched, which may be newer than the one served: a change to only the status
   * of a kind Portico writes status to is not published (it would re-translate for nothing). For the
   * status writer, which needs the current resourceVersion and the other controllers' entries.
   */
  latest(kind: Kind, namespace: string | undefined, name: string): KubeObject | undefined;
}

/**
 * One object's status as the translator computed it (`ObjectStatus` of @portico/translator has this
 * shape; the provider cannot import the translator, so it takes it structurally).
 */
export interface DesiredStatus {
  kind: Extract<Kind, 'GatewayClass' | 'Gateway' | 'ListenerSet' | 'HTTPRoute' | 'GRPCRoute' | 'TLSRoute' | 'TCPRoute' | 'UDPRoute' | 'BackendTLSPolicy' | 'XBackendTrafficPolicy' | 'SecurityPolicy' | 'BackendPolicy' | 'XTelemetryPolicy' | 'AccessLogPolicy' | 'RateLimitPolicy' | 'Ingress'>;
  namespace?: string;
  name: string;
  /** For routes `{ parents }` (only our controller's entries), for policies `{ ancestors }` (ours). */
  status: Record<string, unknown>;
}

/**
 * The condition types we write at each place a condition list sits (the translator's
 * WRITTEN_CONDITION_TYPES). A stored condition of one of these types is ours: replaced, or removed when
 * we no longer write it; any other type is someone else's and is kept untouched, in place ("MUST NOT
 * remove or reorder Conditions that they are not directly responsible for", every Gateway API
 * condition list).
 */
export interface OwnedConditionTypes {
  gatewayClass: readonly string[];
  gateway: readonly string[];
  /** ListenerSet's own conditions; its listeners' entries are at the `listener` level. */
  listenerSet: readonly string[];
  /** In each `status.listeners[]` entry of a Gateway or ListenerSet. */
  listener: readonly string[];
  /** In our own `status.parents[]` entries of routes. */
  routeParent: readonly string[];
  /** In our own `status.ancestors[]` entries of policies. */
  policyAncestor: readonly string[];
}

export interface StatusWriterOptions {
  kubeConfig: KubeConfig;
  /** Our controllerName: `status.parents[]` / `ancestors[]` entries of other controllers are kept. */
  controllerName: string;
  /** Which condition types are ours; stored conditions of other types are kept. */
  ownedConditionTypes: OwnedConditionTypes;
  logger?: KubernetesLogger;
  /** Most API requests (status writes and the reads they need) per second (token bucket); default 200. */
  qps?: number;
  /** Requests allowed at once after a quiet period; default 500. */
  burst?: number;
  /** Writes in flight at once (each object has at most one); default 8. */
  maxInFlight?: number;
  /**
   * The object as the provider's cache holds it (with `status` and `metadata.resourceVersion`), so an
   * unchanged status costs no request. When absent, or when it returns undefined, the object is read
   * from the API server. A stale cached object only costs a 409 Conflict and a re-read.
   */
  currentObject?: (kind: DesiredStatus['kind'], namespace: string | undefined, name: string) => KubeObject | undefined;
}

export interface StatusWriteFigures {
  /** PUT requests sent to the API server (including retries). */
  writes: number;
  /** GET requests (no cached object, or re-reads after a conflict). */
  reads: number;
  /** Objects whose stored status already said the same (ignoring lastTransitionTime): nothing sent. */
  unchanged: number;
  /** Desired statuses replaced by a newer one for the same object before they were written. */
  coalesced: number;
  conflicts: number;
  /** Objects gone from the API server when we came to write them (dropped quietly). */
  notFound: number;
  /** Writes that failed for another reason (or ran out of conflict retries); retried later with backoff. */
  failures: number;
}

export interface StatusWriter {
  /**
   * Makes the API server's statuses equal to `desired` (the full set of a translation): only changed
   * objects are written; conditions whose status did not change keep their lastTransitionTime. Safe to
   * call on every translation; calls coalesce (only the latest desired set is written). A route or
   * BackendTLSPolicy present in the previous set and absent from this one has our entries removed;
   * queued work for other objects absent from this set is dropped. Never throws.
   */
  update(desired: Iterable<DesiredStatus>): void;
  /**
   * Resolves when every queued write has been attempted. Writes that failed and wait for their backoff
   * retry are not waited for (`figures().failures` counts them).
   */
  idle(): Promise<void>;
  figures(): StatusWriteFigures;
  /** Drops the queue and waits for the writes in flight (the leader lost its lease, or shutdown). */
  stop(): Promise<void>;
}

export interface LeaderElectionOptions {
  kubeConfig: KubeConfig;
  /** The Lease's namespace and name. */
  namespace: string;
  name: string;
  /** This replica's identity (pod name). */
  identity: string;
  /** How long others wait, from seeing the Lease last change, before taking it (default 15 s; whole seconds in the Lease). */
  leaseDurationMs?: number;
  /** A leader that has not renewed for this long stops leading (default 10 s; must be < leaseDurationMs). */
  renewDeadlineMs?: number;
  /** Time between attempts to acquire or renew (default 2 s; must be < renewDeadlineMs). */
  retryPeriodMs?: number;
  logger?: KubernetesLogger;
  onStartedLeading: () => void;
  /** Called when leadership is lost (renew deadline passed) or given up (stop); the elector keeps trying to lead again until stopped. */
  onStoppedLeading: () => void;
}

export interface LeaderElector {
  start(): void;
  /** True while this replica leads: never true for two replicas of one Lease at the same moment. */
  isLeader(): boolean;
  /** Stops renewing; a leader stops leading first, then releases the Lease so another replica takes over at once. */
  stop(): Promise<void>;
}
