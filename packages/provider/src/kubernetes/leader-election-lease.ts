/**
 * The `coordination.k8s.io/v1` Lease as a leader-election lock (client-go `resourcelock.LeaseLock`):
 * read it, create it, or replace it carrying the resourceVersion we read, so two replicas racing for
 * it cannot both win. Behind an interface so the elector's timing rules are tested with a fake.
 */
import { CoordinationV1Api, V1MicroTime, type KubeConfig, type V1Lease } from '@kubernetes/client-node';
import { createCallOptions } from './kube-api-call.js';

/** client-go's `LeaderElectionRecord`, as a Lease's spec holds it. */
export interface LeaderElectionRecord {
  /** Empty when nobody holds the lease (after a release). */
  holderIdentity: string;
  leaseDurationSeconds: number;
  /** RFC 3339 times, microsecond precision (metav1.MicroTime). */
  acquireTime: string;
  renewTime: string;
  leaseTransitions: number;
}

export interface ObservedLease {
  record: LeaderElectionRecord;
  resourceVersion: string;
}

export interface LeaseLock {
  /** The Lease now, or undefined when it does not exist. Rejects on other errors. */
  get(): Promise<ObservedLease | undefined>;
  /** Creates the Lease; rejects (409) when it appeared meanwhile. */
  create(record: LeaderElectionRecord): Promise<ObservedLease>;
  /** Replaces the Lease's spec if it still has `resourceVersion`; rejects with 409 otherwise. */
  update(record: LeaderElectionRecord, resourceVersion: string): Promise<ObservedLease>;
  /** What the elector logs as the lock's name. */
  describe(): string;
  /** Releases connections; called once the elector stopped. */
  close?(): void;
}

/** A metav1.MicroTime string for `date` (what client-go writes). */
export function microTime(date: Date): string {
  return new V1MicroTime(date.getTime()).toISOString();
}

function timeString(value: unknown): string {
  if (value instanceof Date) return microTime(value);
  return typeof value === 'string' ? value : '';
}

function toObserved(lease: V1Lease): ObservedLease {
  const spec = lease.spec ?? {};
  return {
    record: {
      holderIdentity: spec.holderIdentity ?? '',
      leaseDurationSeconds: spec.leaseDurationSeconds ?? 0,
      // client-node declares these as Date but, MicroTime having no serializer entry, hands back the string.
      acquireTime: timeString(spec.acquireTime),
      renewTime: timeString(spec.renewTime),
      leaseTransitions: spec.leaseTransitions ?? 0,
    },
    resourceVersion: lease.metadata?.resourceVersion ?? '',
  };
}

function toSpec(record: LeaderElectionRecord): NonNullable<V1Lease['spec']> {
  return {
    holderIdentity: record.holderIdentity,
    leaseDurationSeconds: record.leaseDurationSeconds,
    // MicroTime's toISOString keeps the 6-digit fraction the API server's MicroTime parser expects.
    acquireTime: new V1MicroTime(record.acquireTime),
    renewTime: new V1MicroTime(record.renewTime),
    leaseTransitions: record.leaseTransitions,
  };
}

export interface KubeLeaseLockOptions {
  kubeConfig: KubeConfig;
  namespace: string;
  name: string;
  /** Longest time one request may take. */
  requestTimeoutMs: number;
}

export function createKubeLeaseLock(options: KubeLeaseLockOptions): LeaseLock {
  const api = options.kubeConfig.makeApiClient(CoordinationV1Api);
  const { namespace, name } = options;
  const calls = createCallOptions(options.requestTimeoutMs);
  const callOptions = calls.options;
  /** The Lease's metadata as last seen: a replace keeps its labels and annotations. */
  let metadata: V1Lease['metadata'] = { name, namespace };
  const seen = (lease: V1Lease) => {
    metadata = lease.metadata ?? metadata;
    return toObserved(lease);
  };
  return {
    async get() {
      try {
        return seen(await api.readNamespacedLease({ namespace, name }, callOptions()));
      } catch (error) {
        if ((error as { code?: unknown }).code === 404) return undefined;
        throw error;
      }
    },
    async create(record) {
      const body: V1Lease = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace }, spec: toSpec(record) };
      return seen(await api.createNamespacedLease({ namespace, body }, callOptions()));
    },
    async update(record, resourceVersion) {
      const body: V1Lease = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { ...metadata, name, namespace, resourceVersion }, spec: toSpec(record) };
      return seen(await api.replaceNamespacedLease({ namespace, name, body }, callOptions()));
    },
    describe: () => `${namespace}/${name}`,
    close: calls.close,
  };
}
