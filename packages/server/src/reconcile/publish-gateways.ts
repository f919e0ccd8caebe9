/**
 * The glue between the IR and the ADS server: per gateway IR → Envoy resources plus the proxyless
 * gRPC ones (buildXds with `proxyless`) → encoded once (encodeResources) → the snapshot cache, behind
 * the consistency gate (@portico/xds `consistencyProblems`). The cache keeps the last good snapshot
 * of a gateway whenever a candidate is refused or cannot be built.
 */
import { TYPE_URLS } from '@portico/envoy';
import type { BackendIR, GatewayIR } from '@portico/ir';
import {
  buildBackendResources,
  buildXds,
  consistencyProblems,
  createXdsBuildCache,
  encodeResources,
  type EncodeCache,
  type EncodedResource,
  type EncodedResources,
  type ResourceListKey,
  type XdsResources,
} from '@portico/xds';
import { cachedResourcesFrom, createSnapshotCache, type CachedResource, type ResourceSnapshot, type SnapshotCache, type TypeUrl } from '@portico/xds-server';
import type { Quarantine, QuarantineEntry } from '../isolation/quarantine.js';
import { changedBackendsOnly } from './changed-backends.js';
import { createServedResources } from './served-resources.js';

const KINDS: readonly ResourceListKey[] = ['listeners', 'routes', 'clusters', 'endpoints', 'secrets'];
const TYPE_URL_OF: Record<ResourceListKey, TypeUrl> = {
  listeners: TYPE_URLS.listener,
  routes: TYPE_URLS.route,
  clusters: TYPE_URLS.cluster,
  endpoints: TYPE_URLS.endpoint,
  secrets: TYPE_URLS.secret,
};

/** What became of one gateway's candidate snapshot. */
export interface PublishResult {
  gateway: string;
  /** `published`: new version served; `unchanged`: identical to what is served; `rejected`: inconsistent; `error`: a bug while building or encoding. */
  outcome: 'published' | 'unchanged' | 'rejected' | 'error';
  /** True when a new snapshot was published (`outcome === 'published'`). */
  published: boolean;
  /** Why the candidate was refused (consistency problems, or the error's message). */
  problems: string[];
  /** The snapshot version now served, if the gateway has one. */
  version?: string;
  /** The exception, when `outcome` is `error` (a programming error: logged with its stack). */
  error?: unknown;
  /** The IR behind the served snapshot: the input without its quarantined routes (absent when refused or failed). */
  ir?: GatewayIR;
  /** Quarantined units this IR released: their object changed, they get another try. */
  released?: QuarantineEntry[];
}

export interface PublishGatewaysResult {
  results: PublishResult[];
  /** Gateways whose snapshots were deleted because they are no longer in the translation. */
  removed: string[];
}

export interface XdsPublisher {
  readonly cache: SnapshotCache;
  /** Builds, encodes and publishes one gateway's snapshot. Never throws: a failure is an `error` result. */
  publishGateway(gateway: string, ir: GatewayIR): PublishResult;
  /**
   * Publishes every gateway of a translation, then deletes the snapshots of gateways it no longer
   * has. Deleting sends nothing: connected clients keep what they run (an Envoy never drains a
   * listener because its Gateway went away for a moment), and a gateway that comes back is served a
   * new snapshot.
   */
  publishGateways(gateways: ReadonlyMap<string, GatewayIR>): PublishGatewaysResult;
  /** The IR a recent snapshot version of a gateway (or a probe) was built from, while remembered. */
  irOfVersion(gateway: string, version: string): GatewayIR | undefined;
  /**
   * A snapshot for one client only (NACK containment's probes): the served snapshot with the route
   * tables built from `ir`, and the clusters and endpoint sets they use added where missing (nothing
   * the client has is taken away). Undefined when the gateway has no snapshot.
   */
  probeSnapshot(gateway: string, ir: GatewayIR, version: string): ResourceSnapshot | undefined;
  /**
   * The encoded resources of each gateway's served snapshot (the last good one when a later candidate
   * was refused), JSON and versions as published: what /debug/xds prints without building anything again.
   */
  servedResources(): ReadonlyMap<string, EncodedResources>;
}

export interface XdsPublisherOptions {
  /** Prefix of every snapshot version; random by default. */
  bootId?: string;
  /** A subscriber (an ADS stream) threw while being notified; the others were still notified. */
  onSubscriberError?: (error: unknown, gateway: string) => void;
  /** IR → resources; `buildXds(ir, { proxyless: true })` unless a test gives another. */
  build?: (ir: GatewayIR) => XdsResources;
  /** Route units Envoy refused (NACK containment): left out of every snapshot until their object changes. */
  quarantine?: Quarantine;
}

/**
 * Snapshot versions (and probes) per gateway whose IR is remembered, for NACK containment: enough to
 * hold the table an Envoy runs (often the last probe it ACKed) through a whole search of 10,000 rules.
 * The IRs share every unchanged part, so each costs little more than what changed.
 */
const REMEMBERED_VERSIONS = 64;

export function createXdsPublisher(options: XdsPublisherOptions = {}): XdsPublisher {
  // The cache asks its gate about a candidate by gateway; the answer is computed from the XdsResources
  // the candidate was made from, just before setSnapshot (the cache cannot import @portico/xds).
  // Unchanged IR objects (the translator's cache returns the same ones) keep their Envoy JSON, and
  // unchanged JSON its bytes and version: an update costs what changed.
  const buildCache = createXdsBuildCache();
  const encodeCache: EncodeCache = new WeakMap();
  const build = options.build ?? ((ir: GatewayIR) => buildXds(ir, { proxyless: true, cache: buildCache }));
  const pendingProblems = new Map<string, string[]>();
  const cache = createSnapshotCache({
    checkConsistency: (_snapshot, gateway) => pendingProblems.get(gateway) ?? [],
    ...(options.bootId === undefined ? {} : { bootId: options.bootId }),
    ...(options.onSubscriberError ? { onSubscriberError: options.onSubscriberError } : {}),
  });

  /** The IR behind each gateway's served snapshot: the same object again (an untouched gateway) is not rebuilt. */
  const servedIR = new Map<string, GatewayIR>();
  /** The quarantine revision each served snapshot was filtered with. */
  const servedRevision = new Map<string, number>();
  /** The filtered IR (what was built) behind each served snapshot. */
  const builtIR = new Map<string, GatewayIR>();
  const history = new Map<string, Map<string, GatewayIR>>();
  const quarantine = options.quarantine;
  const servedEncoded = createServedResources();

  function remember(gateway: string, version: string | undefined, ir: GatewayIR): void {
    if (version === undefined) return;
    let versions = history.get(gateway);
    if (!versions) history.set(gateway, (versions = new Map()));
    versions.delete(version);
    versions.set(version, ir);
    if (versions.size > REMEMBERED_VERSIONS) versions.delete(versions.keys().next().value!);
  }

  function publishGateway(gateway: string, input: GatewayIR): PublishResult {
    const served = cache.snapshot(gateway);
    const revision = quarantine?.revision(gateway) ?? 0;
    if (served && servedIR.get(gateway) === input && servedRevision.get(gateway) === revision) {
      return { gateway, outcome: 'unchanged', published: false, problems: [], version: served.version, ir: builtIR.get(gateway) ?? input };
    }
    const { ir, released } = quarantine ? quarantine.apply(gateway, input) : { ir: input, released: [] };
    const result = publishFiltered(gateway, input, ir);
    if (result.outcome === 'published' || result.outcome === 'unchanged') {
      servedRevision.set(gateway, quarantine?.revision(gateway) ?? 0);
      builtIR.set(gateway, ir);
      remember(gateway, result.version, ir);
      result.ir = ir;
    }
    return released.length > 0 ? { ...result, released } : result;
  }

  function publishFiltered(gateway: string, input: GatewayIR, ir: GatewayIR): PublishResult {
    const served = cache.snapshot(gateway);
    const sameQuarantine = servedRevision.get(gateway) === (quarantine?.revision(gateway) ?? 0);
    const backendsOnly = served && !options.build && sameQuarantine ? changedBackendsOnly(servedIR.get(gateway), input) : undefined;
    if (backendsOnly) return publishBackends(gateway, input, backendsOnly);
    let candidate: Map<TypeUrl, CachedResource[]>;
    let encoded: EncodedResources;
    try {
      const resources = build(ir);
      pendingProblems.set(gateway, consistencyProblems(resources, buildCache));
      encoded = encodeResources(resources, encodeCache);
      candidate = snapshotResources(cache, gateway, encoded);
    } catch (error) {
      pendingProblems.delete(gateway);
      const version = cache.snapshot(gateway)?.version;
      return { gateway, outcome: 'error', published: false, problems: [messageOf(error)], error, ...(version ? { version } : {}) };
    }
    try {
      const result = cache.setSnapshot(gateway, candidate);
      const outcome = result.published ? 'published' : result.problems.length > 0 ? 'rejected' : 'unchanged';
      if (outcome === 'rejected') servedIR.delete(gateway);
      else servedIR.set(gateway, input);
      if (outcome !== 'rejected') {
        rememberPublished(encoded, cache.snapshot(gateway));
        servedEncoded.set(gateway, encoded);
      }
      return { gateway, outcome, ...result };
    } finally {
      pendingProblems.delete(gateway);
    }
  }

  /** Only some backends changed (their endpoints): patch their clusters and endpoint sets into the served snapshot. */
  function publishBackends(gateway: string, input: GatewayIR, backends: BackendIR[]): PublishResult {
    const served = cache.snapshot(gateway)!;
    let replacements: Map<TypeUrl, CachedResource[]>;
    let encoded: EncodedResources;
    try {
      encoded = encodeResources({ listeners: [], routes: [], secrets: [], ...buildBackendResources(backends, buildCache, input) }, encodeCache);
      replacements = new Map((['clusters', 'endpoints'] as const).map((kind) => [TYPE_URL_OF[kind], cachedResourcesFrom(encoded[kind], true, served.resources.get(TYPE_URL_OF[kind]))]));
    } catch (error) {
      return { gateway, outcome: 'error', published: false, problems: [messageOf(error)], error, version: served.version };
    }
    const result = cache.patchSnapshot(gateway, replacements);
    const outcome = result.published ? 'published' : result.problems.length > 0 ? 'rejected' : 'unchanged';
    if (outcome !== 'rejected') {
      servedIR.set(gateway, input);
      servedEncoded.patch(gateway, encoded);
    }
    return { gateway, outcome, ...result };
  }

  function probeSnapshot(gateway: string, ir: GatewayIR, version: string): ResourceSnapshot | undefined {
    const served = cache.snapshot(gateway);
    if (!served) return undefined;
    const encoded = encodeResources(build(ir), encodeCache);
    const probe = snapshotResources(cache, gateway, encoded);
    const resources = new Map(served.resources);
    resources.set(TYPE_URL_OF.routes, new Map(probe.get(TYPE_URL_OF.routes)!.map((r) => [r.name, r])));
    for (const kind of ['clusters', 'endpoints'] as const) {
      const typeUrl = TYPE_URL_OF[kind];
      const merged = new Map(served.resources.get(typeUrl));
      for (const resource of probe.get(typeUrl)!) if (!merged.has(resource.name)) merged.set(resource.name, resource);
      resources.set(typeUrl, new Map([...merged].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))));
    }
    remember(gateway, version, ir);
    return { version, resources };
  }

  return {
    cache,
    publishGateway,
    publishGateways(gateways) {
      const results = [...gateways].map(([gateway, ir]) => publishGateway(gateway, ir));
      const removed = cache.gateways().filter((gateway) => !gateways.has(gateway));
      for (const gateway of removed) {
        cache.deleteSnapshot(gateway);
        servedIR.delete(gateway);
        builtIR.delete(gateway);
        history.delete(gateway);
        quarantine?.forget(gateway);
        servedEncoded.delete(gateway);
      }
      return { results, removed };
    },
    irOfVersion: (gateway, version) => history.get(gateway)?.get(version),
    probeSnapshot,
    servedResources: () => servedEncoded.all(),
  };
}

/**
 * Envoy's resources go to wildcard subscribers; the proxyless API listeners and their route tables
 * (`namedOnly`) only to clients naming them: an Envoy asking for every listener must not get the
 * `host:port` ones. Unchanged resources reuse the served instances, so their fresh bytes are dropped.
 */
function snapshotResources(cache: SnapshotCache, gateway: string, encoded: EncodedResources): Map<TypeUrl, CachedResource[]> {
  const current = cache.snapshot(gateway);
  const namedOnly = encoded.namedOnly ?? new Set<string>();
  const byType = new Map<TypeUrl, CachedResource[]>();
  for (const kind of KINDS) {
    const typeUrl = TYPE_URL_OF[kind];
    const previous = current?.resources.get(typeUrl);
    // The same encoded list as the one the served snapshot was made from: the same cached list.
    const reused = cachedLists.get(encoded[kind]);
    if (reused && reused.snapshot === current) {
      byType.set(typeUrl, reused.list);
      continue;
    }
    const wildcard = encoded[kind].filter((r) => !namedOnly.has(r.name));
    const byName = encoded[kind].filter((r) => namedOnly.has(r.name));
    const list = [...cachedResourcesFrom(wildcard, true, previous), ...cachedResourcesFrom(byName, false, previous)];
    cachedLists.set(encoded[kind], { snapshot: undefined, list });
    byType.set(typeUrl, list);
  }
  return byType;
}

/** The cached list made from an encoded list, and the snapshot it went into (set once published). */
const cachedLists = new WeakMap<readonly EncodedResource[], { snapshot: ResourceSnapshot | undefined; list: CachedResource[] }>();

/** Marks the lists of a published snapshot: the next identical encoded list reuses its cached list. */
function rememberPublished(encoded: EncodedResources, snapshot: ResourceSnapshot | undefined): void {
  if (!snapshot) return;
  for (const kind of KINDS) {
    const entry = cachedLists.get(encoded[kind]);
    if (entry) entry.snapshot = snapshot;
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
