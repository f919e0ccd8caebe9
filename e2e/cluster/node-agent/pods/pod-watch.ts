/**
 * The pods bound to this node (fieldSelector spec.nodeName), kept current: a list, then a watch from
 * its resourceVersion, and on any watch end (timeout, error, 410 Gone) a fresh list, so no event is
 * missed for long. Reports every pod seen and every pod gone.
 */
import type { KubeClient } from '../kube-client.js';

export interface PodWatchHandlers {
  upsert(pod: any): void;
  gone(uid: string): void;
}

export function watchNodePods(client: KubeClient, nodeName: string, handlers: PodWatchHandlers, log: (message: string) => void): { stop(): void } {
  const fieldSelector = `spec.nodeName=${nodeName}`;
  let stopWatch: (() => void) | undefined;
  let stopped = false;
  let known = new Set<string>();

  const cycle = async (): Promise<void> => {
    if (stopped) return;
    try {
      const list = await client.get<any>(`/api/v1/pods?fieldSelector=${encodeURIComponent(fieldSelector)}`);
      const seen = new Set<string>();
      for (const pod of list.items) {
        seen.add(pod.metadata.uid);
        handlers.upsert(pod);
      }
      for (const uid of known) if (!seen.has(uid)) handlers.gone(uid);
      known = seen;
      if (stopped) return;
      let restarted = false;
      const restart = () => {
        if (restarted) return;
        restarted = true;
        setTimeout(() => void cycle(), 200).unref();
      };
      stopWatch = await client.watch(
        '/api/v1/pods',
        { fieldSelector, resourceVersion: list.metadata.resourceVersion, allowWatchBookmarks: 'true' },
        (type, pod) => {
          if (type === 'BOOKMARK') return;
          if (type === 'ERROR') return restart();
          if (type === 'DELETED') {
            known.delete(pod.metadata.uid);
            handlers.gone(pod.metadata.uid);
          } else {
            known.add(pod.metadata.uid);
            handlers.upsert(pod);
          }
        },
        () => restart(),
      );
    } catch (error) {
      log(`pod watch: ${(error as Error).message}; listing again`);
      setTimeout(() => void cycle(), 1000).unref();
    }
  };
  void cycle();
  return {
    stop() {
      stopped = true;
      stopWatch?.();
    },
  };
}
