/**
 * A kind watched namespace by namespace instead of cluster-wide (`secretNamespaces`): credentials that
 * may read Secrets only in some namespaces (a Role per namespace, the chart's `rbac.secretNamespaces`)
 * are refused a cluster-wide list (403), and a kind that never lists holds up the first snapshot for
 * ever. One kind watcher per namespace writes into the kind's one store, so the assembler (reference
 * filtering, changes) sees no difference; an object of another namespace is simply never there.
 *
 * The watchers are presented as one KindWatcher: the kind stays one source in `sources()`, synced once
 * every namespace has listed, in error while any namespace is.
 */
import type { Kind } from '@portico/resources';
import type { SourceStatus } from '../types.js';
import { createKindWatcher, type KindWatcher, type KindWatcherOptions } from './kind-watcher.js';
import { sourceName } from './watch-targets.js';

export interface NamespacedKindWatcherOptions extends Omit<KindWatcherOptions, 'namespace'> {
  /** At least one; duplicates are watched once. */
  namespaces: readonly string[];
}

export function createNamespacedKindWatcher(options: NamespacedKindWatcherOptions): KindWatcher {
  const namespaces = [...new Set(options.namespaces)];
  if (namespaces.length === 0) throw new Error(`kubernetes provider: no namespace to watch ${options.target.kind} objects in`);
  const watchers = new Map(namespaces.map((namespace) => [namespace, createKindWatcher({ ...options, namespace })]));
  const all = [...watchers.values()];
  let started = false;

  return {
    async start() {
      if (!started) {
        started = true;
        options.logger.info('kubernetes kind watched in these namespaces only', { kind: options.target.kind, namespaces });
      }
      await Promise.all(all.map((w) => w.start()));
    },
    async stop() {
      await Promise.all(all.map((w) => w.stop()));
    },
    synced: () => all.every((w) => w.synced()),
    notServed: () => all.every((w) => w.notServed()),
    status: () => mergedStatus(options.target.kind, watchers),
  };
}

/** One status for the kind: every namespace's errors (prefixed with it) and warnings; times are the worst case. */
function mergedStatus(kind: Kind, watchers: ReadonlyMap<string, KindWatcher>): SourceStatus {
  const statuses = [...watchers].map(([namespace, watcher]) => ({ namespace, status: watcher.status() }));
  const errors = statuses.filter((s) => s.status.state === 'error').map((s) => `${s.namespace}: ${s.status.error ?? 'error'}`);
  const goodAt = statuses.map((s) => s.status.lastGoodAt);
  const errorAt = statuses.flatMap((s) => (s.status.lastErrorAt ? [s.status.lastErrorAt] : []));
  // ISO times in UTC sort as strings. The kind was last good when its least recently good namespace was.
  const lastGoodAt = goodAt.every((at) => at !== undefined) ? (goodAt as string[]).sort()[0] : undefined;
  const lastErrorAt = errorAt.sort().at(-1);
  return {
    source: sourceName(kind),
    state: errors.length > 0 ? 'error' : 'ok',
    // Every watcher counts the kind's one store: any of them has the total.
    objects: statuses[0]?.status.objects ?? 0,
    ...(errors.length > 0 ? { error: errors.join('; ') } : {}),
    warnings: [...new Set(statuses.flatMap((s) => s.status.warnings))],
    ...(lastGoodAt ? { lastGoodAt } : {}),
    ...(lastErrorAt ? { lastErrorAt } : {}),
  };
}
