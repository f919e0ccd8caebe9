/**
 * Each managed Gateway's Envoy readiness, read from its Envoy Deployment: how many replicas are
 * available (ready for minReadySeconds) of how many are wanted. The Deployment is known from what
 * the manager applied or listed, then, for the Gateways the manager tracks (those of its last pass,
 * so only the leader reads), re-read with a background GET: every `pollMs` while no replica
 * is available (the Gateway is waiting on it), every `refreshMs` once one is (to notice the pods all
 * going away), backing off on errors. When a Gateway's readiness changes from what was last reported,
 * `onChanged` says so, so that the server translates again and the Gateway's Programmed condition
 * follows (the translator's `gatewayReadiness` option).
 */
import type { GatewayReadiness } from '@portico/translator';
import type { ServiceLocation } from './address-book.js';

/** The parts of a Deployment that tell readiness (client-node's V1Deployment fits). */
export interface DeploymentReadinessSource {
  spec?: { replicas?: number };
  status?: { availableReplicas?: number };
}

export interface ReplicaReadinessOptions {
  /** Where the Envoy Deployment of a Gateway (`namespace/name`) is. */
  deploymentFor(gatewayKey: string): ServiceLocation;
  /** GET of the Deployment; undefined when it does not exist. */
  fetch(location: ServiceLocation): Promise<DeploymentReadinessSource | undefined>;
  onChanged?: (gatewayKey: string) => void;
  onFetchError(gatewayKey: string, error: unknown): void;
  /** Time between GETs while no replica is available. */
  pollMs: number;
  /** Time between GETs once one is (and the longest back-off after errors). */
  refreshMs: number;
}

export interface ReplicaReadiness {
  /** The Gateway's readiness now (0 ready until its Deployment says otherwise). Never blocks. */
  readiness(gatewayKey: string): GatewayReadiness;
  /** The Deployment as the API server returned it (apply, list); undefined once it is gone. */
  remember(gatewayKey: string, deployment: DeploymentReadinessSource | undefined): void;
  /** Reads these Gateways' Deployments in the background; stops reading and forgets the others. */
  track(gatewayKeys: ReadonlySet<string>): void;
  stop(): void;
}

/** A Deployment without `spec.replicas` runs one (the API server's default). */
export function deploymentReadiness(deployment: DeploymentReadinessSource | undefined): GatewayReadiness {
  return { ready: deployment?.status?.availableReplicas ?? 0, wanted: deployment?.spec?.replicas ?? 1 };
}

export function createReplicaReadiness(options: ReplicaReadinessOptions): ReplicaReadiness {
  const known = new Map<string, DeploymentReadinessSource | null>();
  /** By gateway key: the next background GET, or the one in flight (null). */
  const reads = new Map<string, NodeJS.Timeout | null>();
  /** By gateway key: the delay after the last failed GET, doubling. */
  const backoff = new Map<string, number>();
  /** By gateway key: the JSON of the readiness last returned, for change detection. */
  const reported = new Map<string, string>();
  let stopped = false;

  const current = (gatewayKey: string) => deploymentReadiness(known.get(gatewayKey) ?? undefined);

  function notifyIfChanged(gatewayKey: string): void {
    const last = reported.get(gatewayKey);
    if (last === undefined) return;
    const now = JSON.stringify(current(gatewayKey));
    if (now === last) return;
    reported.set(gatewayKey, now);
    options.onChanged?.(gatewayKey);
  }

  function schedule(gatewayKey: string, delayMs: number): void {
    if (stopped) return;
    const timer = setTimeout(() => void read(gatewayKey), delayMs);
    timer.unref();
    reads.set(gatewayKey, timer);
  }

  async function read(gatewayKey: string): Promise<void> {
    reads.set(gatewayKey, null);
    let delay: number;
    try {
      const deployment = await options.fetch(options.deploymentFor(gatewayKey));
      if (!reads.has(gatewayKey)) return; // retained away meanwhile
      known.set(gatewayKey, deployment ?? null);
      backoff.delete(gatewayKey);
      notifyIfChanged(gatewayKey);
      delay = current(gatewayKey).ready > 0 ? options.refreshMs : options.pollMs;
    } catch (error) {
      if (!reads.has(gatewayKey)) return;
      options.onFetchError(gatewayKey, error);
      delay = Math.min((backoff.get(gatewayKey) ?? options.pollMs / 2) * 2, options.refreshMs);
      backoff.set(gatewayKey, delay);
    }
    schedule(gatewayKey, delay);
  }

  return {
    readiness(gatewayKey) {
      const readiness = current(gatewayKey);
      reported.set(gatewayKey, JSON.stringify(readiness));
      return readiness;
    },
    remember(gatewayKey, deployment) {
      known.set(gatewayKey, deployment ?? null);
      notifyIfChanged(gatewayKey);
    },
    track(gatewayKeys) {
      for (const [key, timer] of reads) {
        if (gatewayKeys.has(key)) continue;
        if (timer) clearTimeout(timer);
        reads.delete(key);
      }
      for (const map of [known, backoff, reported]) {
        for (const key of map.keys()) if (!gatewayKeys.has(key)) map.delete(key);
      }
      // A Deployment just applied or listed is known: its first read can wait a poll interval.
      for (const key of gatewayKeys) if (!reads.has(key)) schedule(key, known.has(key) ? options.pollMs : 0);
    },
    stop() {
      stopped = true;
      for (const timer of reads.values()) if (timer) clearTimeout(timer);
      reads.clear();
    },
  };
}
