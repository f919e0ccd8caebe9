/**
 * Writes a pod's status to the API server as the kubelet's status manager does: a strategic merge
 * patch of the status subresource (conditions merge by type, so conditions other writers own stay),
 * guarded by the pod's UID, coalesced (one write in flight; changes meanwhile make one more write).
 */
import type { KubeClient } from './kube-client.js';

export interface StatusWriter {
  changed(): void;
  /** Resolves once everything changed so far is written (or has failed and been logged). */
  flush(): Promise<void>;
  close(): void;
}

export function createStatusWriter(client: KubeClient, podPath: string, uid: string, build: () => any, log: (message: string) => void = () => undefined): StatusWriter {
  let dirty = false;
  let closed = false;
  let inFlight: Promise<void> | undefined;

  const writeLoop = async () => {
    while (dirty && !closed) {
      dirty = false;
      try {
        await client.patch(`${podPath}/status`, { metadata: { uid }, status: build() }, 'strategic');
      } catch (error) {
        log(`status write: ${(error as Error).message}`);
      }
    }
    inFlight = undefined;
  };

  return {
    changed() {
      if (closed) return;
      dirty = true;
      inFlight ??= writeLoop();
    },
    async flush() {
      while (inFlight) await inFlight;
    },
    close() {
      closed = true;
    },
  };
}
