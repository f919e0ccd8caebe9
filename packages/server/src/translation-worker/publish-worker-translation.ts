/**
 * The main thread's half of publishing in worker mode: the worker built, checked and encoded each
 * gateway (translation-core.ts); here its encoded resources become the snapshot cache's, behind the
 * same consistency gate as in-process (publish-gateways.ts) with the problems the worker found. An
 * unchanged resource keeps the cache's instance, so the streams' codecs send nothing for it.
 */
import { TYPE_URLS } from '@portico/envoy';
import type { ResourceListKey } from '@portico/xds';
import { cachedResourcesFrom, createSnapshotCache, type CachedResource, type SnapshotCache, type TypeUrl } from '@portico/xds-server';
import type { PublishGatewaysResult, PublishResult } from '../reconcile/publish-gateways.js';
import { RESOURCE_LISTS } from './packed-resources.js';
import type { HostGateway, HostResource, WorkerTranslation } from './translation-worker-host.js';

const TYPE_URL_OF: Record<ResourceListKey, TypeUrl> = {
  listeners: TYPE_URLS.listener,
  routes: TYPE_URLS.route,
  clusters: TYPE_URLS.cluster,
  endpoints: TYPE_URLS.endpoint,
  secrets: TYPE_URLS.secret,
};

export interface WorkerPublisher {
  readonly cache: SnapshotCache;
  /** Publishes every gateway of a translation, and deletes the snapshots of gateways it no longer has. */
  publish(translation: Extract<WorkerTranslation, { result: 'success' }>): PublishGatewaysResult;
}

export interface WorkerPublisherOptions {
  bootId?: string;
  onSubscriberError?: (error: unknown, gateway: string) => void;
}

export function createWorkerPublisher(options: WorkerPublisherOptions = {}): WorkerPublisher {
  const pendingProblems = new Map<string, string[]>();
  const cache = createSnapshotCache({
    checkConsistency: (_snapshot, gateway) => pendingProblems.get(gateway) ?? [],
    ...(options.bootId === undefined ? {} : { bootId: options.bootId }),
    ...(options.onSubscriberError ? { onSubscriberError: options.onSubscriberError } : {}),
  });

  /** The cached list made from each host list: an unchanged list is the same array, so the cache reuses its index. */
  const cachedLists = new WeakMap<readonly HostResource[], CachedResource[]>();

  function publishGateway(g: HostGateway): PublishResult {
    const version = cache.snapshot(g.gateway)?.version;
    const served = version ? { version } : {};
    if (g.outcome === 'unchanged') return { gateway: g.gateway, outcome: 'unchanged', published: false, problems: [], ...served };
    if (g.outcome === 'error') return { gateway: g.gateway, outcome: 'error', published: false, problems: [g.error.message], error: g.error, ...served };
    if (g.outcome === 'patched') {
      // The endpoint fast path: O(changed) here too (the cache's patchSnapshot; names never change).
      const current = cache.snapshot(g.gateway);
      const replacements = new Map<TypeUrl, CachedResource[]>();
      for (const kind of ['clusters', 'endpoints'] as const) {
        if (g.replacements[kind].length > 0) replacements.set(TYPE_URL_OF[kind], cachedResourcesFrom(g.replacements[kind], true, current?.resources.get(TYPE_URL_OF[kind])));
      }
      if (replacements.size === 0) return { gateway: g.gateway, outcome: 'unchanged', published: false, problems: [], ...served };
      const result = cache.patchSnapshot(g.gateway, replacements);
      return { gateway: g.gateway, outcome: result.published ? 'published' : result.problems.length > 0 ? 'rejected' : 'unchanged', ...result };
    }
    const current = cache.snapshot(g.gateway);
    const byType = new Map<TypeUrl, CachedResource[]>();
    for (const kind of RESOURCE_LISTS) {
      const typeUrl = TYPE_URL_OF[kind];
      const previous = current?.resources.get(typeUrl);
      const list = g.resources[kind];
      let cached = cachedLists.get(list);
      if (!cached) {
        // Envoy's resources go to wildcard subscribers, the proxyless ones only to clients naming them.
        const wildcard = list.filter((r) => !g.namedOnly.has(r.name));
        const byName = list.filter((r) => g.namedOnly.has(r.name));
        cachedLists.set(list, (cached = [...cachedResourcesFrom(wildcard, true, previous), ...cachedResourcesFrom(byName, false, previous)]));
      }
      byType.set(typeUrl, cached);
    }
    pendingProblems.set(g.gateway, g.problems);
    try {
      const result = cache.setSnapshot(g.gateway, byType);
      const outcome = result.published ? 'published' : result.problems.length > 0 ? 'rejected' : 'unchanged';
      return { gateway: g.gateway, outcome, ...result };
    } finally {
      pendingProblems.delete(g.gateway);
    }
  }

  return {
    cache,
    publish(translation) {
      const results = translation.gateways.map(publishGateway);
      const present = new Set(translation.gateways.map((g) => g.gateway));
      const removed = cache.gateways().filter((gateway) => !present.has(gateway));
      for (const gateway of removed) cache.deleteSnapshot(gateway);
      return { results, removed };
    },
  };
}
