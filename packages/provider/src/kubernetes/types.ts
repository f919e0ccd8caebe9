/**
 * The contracts of the Kubernetes side of the provider package: the informer-backed provider, the
 * status writer and Lease-based leader election. The server composes them (packages/server); each is
 * tested against a real kube-apiserver (e2e/test/support/kube-apiserver.ts).
 */
import type { KubeConfig } from '@kubernetes/client-node';
import type { Kind } from '@portico/resources';
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
}

export interface KubernetesProvider extends ResourceProvider {
  /** True once every informer has listed (the first snapshot is complete). */
  synced(): boolean;
}

/**
 * One object's status as the translator computed it (`ObjectStatus` of @portico/translator has this
 * shape; the provider cannot import the translator, so it takes it structurally).
 */
export interface DesiredStatus {
  kind: Extract<Kind, 'GatewayClass' | 'Gateway' | 'HTTPRoute' | 'GRPCRoute' | 'TLSRoute' | 'TCPRoute' | 'UDPRoute' | 'BackendTLSPolicy' | 'Ingress'>;
  namespace?: string;
  name: string;
  /** For routes `{ parents }` (only our controller's entries), for policies `{ ancestors }` (ours). */
  status: Record<string, unknown>;
}

export interface StatusWriterOptions {
  kubeConfig: KubeConfig;
  /** Our controllerName: `status.parents[]` / `ancestors[]` entries of other controllers are kept. */
  controllerName: string;
  logger?: KubernetesLogger;
  /** Most status writes per second (token bucket), and the burst. */
  qps?: number;
  burst?: number;
}

export interface StatusWriteFigures {
  /** PUT/PATCH requests sent to the API server (including retries). */
  writes: number;
  /** Writes skipped because the object's status already said the same (ignoring lastTransitionTime). */
  unchanged: number;
  conflicts: number;
  notFound: number;
  failures: number;
}

export interface StatusWriter {
  /**
   * Makes the API server's statuses equal to `desired` (the full set of a translation): only changed
   * objects are written; conditions whose status did not change keep their lastTransitionTime. Safe to
   * call on every translation; calls coalesce (only the latest desired set is written).
   */
  update(desired: Iterable<DesiredStatus>): void;
  /** Resolves when every queued write has been attempted. */
  idle(): Promise<void>;
  figures(): StatusWriteFigures;
  stop(): Promise<void>;
}

export interface LeaderElectionOptions {
  kubeConfig: KubeConfig;
  /** The Lease's namespace and name. */
  namespace: string;
  name: string;
  /** This replica's identity (pod name). */
  identity: string;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  logger?: KubernetesLogger;
  onStartedLeading: () => void;
  onStoppedLeading: () => void;
}

export interface LeaderElector {
  start(): void;
  isLeader(): boolean;
  /** Stops renewing; a leader releases the Lease so another replica takes over at once. */
  stop(): Promise<void>;
}
