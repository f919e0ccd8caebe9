/**
 * The Kubernetes provider: one informer per watched kind (kind-watcher.ts) feeding one snapshot
 * assembler (snapshot-assembler.ts), published through the same hold-off + maximum-delay debouncer as
 * the file provider, so a burst of events (a rollout's EndpointSlices, a relist) becomes one snapshot.
 * With `secretNamespaces`, Secrets are watched in those namespaces only (namespaced-kind-watcher.ts).
 */
import { ResourceSet, type Kind } from '@portico/resources';
import type { ProviderSnapshot } from '../types.js';
import { createDebouncer } from '../file/debounce.js';
import { createKindWatcher, type KindWatcher } from './kind-watcher.js';
import { createKubeApiClient } from './kube-api-client.js';
import { createNamespacedKindWatcher } from './namespaced-kind-watcher.js';
import {
  DEFAULT_DEBOUNCE_MS,
  DEFAULT_MAX_DELAY_MS,
  retryTiming,
  silentKubernetesLogger,
  type KubernetesProviderSettings,
} from './kubernetes-provider-options.js';
import { createServedVersions } from './served-versions.js';
import { createSnapshotAssembler } from './snapshot-assembler.js';
import type { KubernetesProvider } from './types.js';
import { WATCH_TARGETS } from './watch-targets.js';

/**
 * Creates the provider; nothing is requested from the API server until `start()`, which resolves with
 * the first snapshot once every kind has been listed (a kind whose CRD is not installed does not hold
 * it up). Listeners hear every later change, debounced, each snapshot with the `changes` since the
 * previous one.
 */
export function createKubernetesProvider(options: KubernetesProviderSettings): KubernetesProvider {
  const logger = options.logger ?? silentKubernetesLogger;
  const client = createKubeApiClient(options.kubeConfig);
  const servedVersions = createServedVersions(client);
  const assembler = createSnapshotAssembler();
  const timing = retryTiming(options);
  const listeners = new Set<(snapshot: ProviderSnapshot) => void>();

  let snapshot: ProviderSnapshot | undefined;
  let started: Promise<ProviderSnapshot> | undefined;
  let stopped = false;
  let notifyQueued = false;

  const debouncer = createDebouncer({
    holdOffMs: options.debounceMs ?? DEFAULT_DEBOUNCE_MS,
    maxDelayMs: options.maxDelayMs ?? DEFAULT_MAX_DELAY_MS,
    fire: publish,
  });

  /** Informers report object by object; one debouncer notification per turn of the event loop is enough. */
  function changed(): void {
    if (!snapshot || notifyQueued || stopped) return;
    notifyQueued = true;
    queueMicrotask(() => {
      notifyQueued = false;
      if (!stopped) debouncer.notify();
    });
  }

  const secretNamespaces = options.secretNamespaces ?? [];
  const watchers = new Map<Kind, KindWatcher>(
    WATCH_TARGETS.map((target) => {
      const watcherOptions = { target, kubeConfig: options.kubeConfig, client, servedVersions, assembler, timing, logger, changed };
      const watcher =
        target.kind === 'Secret' && secretNamespaces.length > 0
          ? createNamespacedKindWatcher({ ...watcherOptions, namespaces: secretNamespaces })
          : createKindWatcher(watcherOptions);
      return [target.kind, watcher];
    }),
  );

  function publish(changedAt: number): void {
    if (stopped || !snapshot) return;
    const assembled = assembler.assemble();
    if (!assembled) return;
    snapshot = { generation: snapshot.generation + 1, ...assembled, changedAt };
    logger.debug('kubernetes resources changed', { generation: snapshot.generation, changes: assembled.changes.length, objects: assembled.objects.length });
    for (const listener of [...listeners]) notify(listener, snapshot);
  }

  function notify(listener: (snapshot: ProviderSnapshot) => void, current: ProviderSnapshot): void {
    const report = (err: unknown) => logger.error('resource change listener failed', { generation: current.generation, error: (err as Error)?.stack ?? String(err) });
    try {
      // An async listener's rejection must not become an unhandled rejection that kills the process.
      const result: unknown = listener(current);
      if (typeof (result as PromiseLike<unknown> | undefined)?.then === 'function') Promise.resolve(result).catch(report);
    } catch (err) {
      report(err);
    }
  }

  async function start(): Promise<ProviderSnapshot> {
    const began = performance.now();
    await Promise.all([...watchers.values()].map((w) => w.start()));
    if (stopped) throw new Error('kubernetes provider: stopped before it synced');
    const assembled = assembler.assemble();
    // The first snapshot has no `changes`: everything is new to whoever reads it.
    snapshot = { generation: 1, resources: assembled?.resources ?? new ResourceSet(), objects: assembled?.objects ?? [] };
    const notServed = [...watchers.values()].filter((w) => w.notServed()).map((w) => w.status().source);
    logger.info('kubernetes provider synced', {
      objects: snapshot.objects.length,
      ms: Math.round(performance.now() - began),
      ...(notServed.length > 0 ? { notServed } : {}),
    });
    return snapshot;
  }

  async function stop(): Promise<void> {
    stopped = true;
    debouncer.cancel();
    await Promise.all([...watchers.values()].map((w) => w.stop()));
  }

  return {
    start() {
      started ??= start();
      return started;
    },
    stop,
    current() {
      if (!snapshot) throw new Error('kubernetes provider: current() called before start() resolved');
      return snapshot;
    },
    onChange(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    sources: () => [...watchers.values()].map((w) => w.status()),
    synced: () => snapshot !== undefined,
    latest: (kind, namespace, name) => assembler.latest(kind, namespace, name),
  };
}
