/**
 * The main thread's half of publishing in worker mode: the worker built, checked and encoded each
 * gateway (translation-core.ts); here its encoded resources become the snapshot cache's, behind the
 * same consistency gate as in-process (publish-gateways.ts) with the problems the worker found. An
 * unchanged resource keeps the cache's instance, so the streams' codecs send nothing for it.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import { TYPE_URLS } from '@portico/envoy';
import type { GatewayIR } from '@portico/ir';
import type { ResourceListKey } from '@portico/xds';
import { cachedResourcesFrom, createSnapshotCache, type CachedResource, type ResourceSnapshot, type SnapshotCache, type TypeUrl } from '@portico/xds-server';
import type { ContainmentPublisher } from '../isolation/nack-containment.js';
import type { PublishGatewaysResult, PublishResult } from '../reconcile/publish-gateways.js';
import { RESOURCE_LISTS } from './packed-resources.js';
import type { HostGateway, HostResource, ProbeResources, WorkerTranslation } from './translation-worker-host.js';

const TYPE_URL_OF: Record<ResourceListKey, TypeUrl> = {
  listeners: TYPE_URLS.listener,
  routes: TYPE_URLS.route,
  clusters: TYPE_URLS.cluster,
  endpoints: TYPE_URLS.endpoint,
  secrets: TYPE_URLS.secret,
};

/**
 * Snapshot versions (and probes) per gateway whose built IR can be asked for, as in process
 * (publish-gateways.ts REMEMBERED_VERSIONS; the worker keeps as many builds: REMEMBERED_BUILT).
 */
const REMEMBERED_VERSIONS = 64;

/** Resources made ready for the snapshot cache per turn by `prepare` (~1 µs each). */
const RESOURCES_PER_TURN = 3000;

export interface WorkerPublisher extends ContainmentPublisher {
  readonly cache: SnapshotCache;
  /**
   * Makes what `publish` hands the snapshot cache ready, `perTurn` resources per turn of the event
   * loop, so that publishing a first build of 20,000 resources is the cache's indexing alone.
   */
  prepare(translation: Extract<WorkerTranslation, { result: 'success' }>, perTurn?: number): Promise<void>;
  /** Publishes every gateway of a translation, and deletes the snapshots of gateways it no longer has. */
  publish(translation: Extract<WorkerTranslation, { result: 'success' }>): PublishGatewaysResult;
}

export interface WorkerPublisherOptions {
  bootId?: string;
  onSubscriberError?: (error: unknown, gateway: string) => void;
  /** Builds a probe on the worker (TranslationWorkerHost `probe`); without it there are no probes. */
  probe?: (ir: GatewayIR) => Promise<ProbeResources>;
}

export function createWorkerPublisher(options: WorkerPublisherOptions = {}): WorkerPublisher {
  const pendingProblems = new Map<string, string[]>();
  const cache = createSnapshotCache({
    checkConsistency: (_snapshot, gateway) => pendingProblems.get(gateway) ?? [],
    ...(options.bootId === undefined ? {} : { bootId: options.bootId }),
    ...(options.onSubscriberError ? { onSubscriberError: options.onSubscriberError } : {}),
  });

  /** Per gateway, the built IR behind each recent version (asked of the worker) or probe (held here). */
  const history = new Map<string, Map<string, () => Promise<GatewayIR>>>();

  function remember(gateway: string, version: string | undefined, ir: (() => Promise<GatewayIR>) | undefined): void {
    if (version === undefined || !ir) return;
    let versions = history.get(gateway);
    if (!versions) history.set(gateway, (versions = new Map()));
    versions.delete(version);
    versions.set(version, ir);
    if (versions.size > REMEMBERED_VERSIONS) versions.delete(versions.keys().next().value!);
  }

  /** The cached list made from each host list: an unchanged list is the same array, so the cache reuses its index. */
  const cachedLists = new WeakMap<readonly HostResource[], CachedResource[]>();

  /** Envoy's resources go to wildcard subscribers, the proxyless ones only to clients naming them. */
  function cachedList(list: readonly HostResource[], namedOnly: ReadonlySet<string>, previous: ReadonlyMap<string, CachedResource> | undefined): CachedResource[] {
    const wildcard = list.filter((r) => !namedOnly.has(r.name));
    const byName = list.filter((r) => namedOnly.has(r.name));
    return [...cachedResourcesFrom(wildcard, true, previous), ...cachedResourcesFrom(byName, false, previous)];
  }

  async function prepare(translation: Extract<WorkerTranslation, { result: 'success' }>, perTurn = RESOURCES_PER_TURN): Promise<void> {
    let done = 0;
    for (const g of translation.gateways) {
      if (g.outcome !== 'built') continue;
      for (const kind of RESOURCE_LISTS) {
        const list = g.resources[kind];
        if (cachedLists.has(list)) continue;
        const previous = cache.snapshot(g.gateway)?.resources.get(TYPE_URL_OF[kind]);
        const parts: CachedResource[][] = [];
        for (let at = 0; at < list.length; at += perTurn) {
          if (done >= perTurn) {
            done = 0;
            await nextTurn();
          }
          const part = list.slice(at, at + perTurn);
          parts.push(cachedList(part, g.namedOnly, previous));
          done += part.length;
        }
        // The same list as in one go: every slice's wildcard resources first, then the proxyless ones.
        const cached = parts.flat();
        cachedLists.set(list, [...cached.filter((r) => r.wildcard), ...cached.filter((r) => !r.wildcard)]);
      }
    }
  }

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
      if (!cached) cachedLists.set(list, (cached = cachedList(list, g.namedOnly, previous)));
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

  /** Latest built IR accessor per gateway: an `unchanged` answer serves the IR of the last build. */
  const latestBuilt = new Map<string, () => Promise<GatewayIR>>();

  async function probeSnapshot(gateway: string, ir: GatewayIR, version: string): Promise<ResourceSnapshot | undefined> {
    if (!options.probe || !cache.snapshot(gateway)) return undefined;
    const probe = await options.probe(ir);
    // The served snapshot as it is now (the probe took a turn): its route tables replaced by the
    // probe's, and the clusters and endpoint sets they use added where missing (as in process).
    const served = cache.snapshot(gateway);
    if (!served) return undefined;
    const resources = new Map(served.resources);
    const routes = cachedResourcesFrom(probe.resources.routes.filter((r) => !probe.namedOnly.has(r.name)), true, served.resources.get(TYPE_URL_OF.routes));
    routes.push(...cachedResourcesFrom(probe.resources.routes.filter((r) => probe.namedOnly.has(r.name)), false, served.resources.get(TYPE_URL_OF.routes)));
    resources.set(TYPE_URL_OF.routes, new Map(routes.map((r) => [r.name, r])));
    for (const kind of ['clusters', 'endpoints'] as const) {
      const typeUrl = TYPE_URL_OF[kind];
      const merged = new Map(served.resources.get(typeUrl));
      for (const resource of cachedResourcesFrom(probe.resources[kind], true, served.resources.get(typeUrl))) if (!merged.has(resource.name)) merged.set(resource.name, resource);
      resources.set(typeUrl, new Map([...merged].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))));
    }
    remember(gateway, version, () => Promise.resolve(ir));
    return { version, resources };
  }

  return {
    cache,
    prepare,
    publish(translation) {
      const results = translation.gateways.map((g) => {
        const result = publishGateway(g);
        if (g.outcome === 'built' || g.outcome === 'patched') {
          if (result.outcome === 'published' || result.outcome === 'unchanged') latestBuilt.set(g.gateway, g.builtIr);
        }
        if (result.outcome === 'published' || result.outcome === 'unchanged') remember(g.gateway, result.version, latestBuilt.get(g.gateway));
        // The units the worker released building this gateway, on its result as in process (logPublish logs each).
        const released = translation.released.filter((entry) => entry.gateway === g.gateway);
        return released.length > 0 ? { ...result, released } : result;
      });
      const present = new Set(translation.gateways.map((g) => g.gateway));
      const removed = cache.gateways().filter((gateway) => !present.has(gateway));
      for (const gateway of removed) {
        cache.deleteSnapshot(gateway);
        history.delete(gateway);
        latestBuilt.delete(gateway);
      }
      return { results, removed };
    },
    async irOfVersion(gateway, version) {
      // A build the worker no longer holds (it restarted since) is one no search can use.
      return history.get(gateway)?.get(version)?.().catch(() => undefined);
    },
    probeSnapshot,
  };
}
