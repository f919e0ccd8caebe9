/**
 * What the translation worker does, without the thread: it holds a copy of the provider's objects and
 * the caches that make a change cost what it touches (the translator's, the xDS builder's and the
 * encoder's), translates, builds and encodes every gateway whose IR changed, and answers with what
 * changed since its previous answer. translation-worker.ts runs it on a worker thread; tests run it
 * directly.
 *
 * The same steps, in the same order, as the in-process reconciler and publisher (reconciler.ts,
 * publish-gateways.ts): `translate` (or `translateEndpointChange` when only EndpointSlices changed),
 * then per gateway `buildXds` with `proxyless`, `consistencyProblems` and `encodeResources`, so the
 * bytes are the same ones. A gateway left out of a translation because translating it threw keeps its
 * last good IR (and so its served snapshot), as in-process.
 */
import { deserialize, serialize } from 'node:v8';
import type { GatewayIR, ListenerIR } from '@portico/ir';
import { serializeInSlices } from '@portico/provider';
import { ResourceSet, type KubeObject } from '@portico/resources';
import { createTranslationCache, translate, translateEndpointChange, type ObjectStatus, type TranslationResult } from '@portico/translator';
import { buildBackendResources, buildXds, consistencyProblems, createXdsBuildCache, encodeResources, rateLimitServiceConfig, redactedConfigDump, type EncodeCache } from '@portico/xds';
import { createServedResources } from '../reconcile/served-resources.js';
import { changedBackendsOnly } from '../reconcile/changed-backends.js';
import { translatorOptionsFrom } from '../reconcile/gateway-facts.js';
import { createQuarantine, type QuarantineEntry } from '../isolation/quarantine.js';
import { withQuarantineStatuses } from '../isolation/quarantine-status.js';
import { emptySentVersions, packPatch, packResources, type SentVersions } from './packed-resources.js';
import type { ObjectRef, WorkerGateway, WorkerMessage, WorkerRequest, WorkerTranslateOptions } from './protocol.js';

/** Statuses per slice of a `translated` answer: the main thread reads one slice per turn (~3 ms). */
export const STATUSES_PER_SLICE = 200;

/** Builds per gateway whose IR the worker keeps for `ir` requests (the IRs share every unchanged part). */
export const REMEMBERED_BUILDS = 8;

/**
 * Builds per gateway whose built IR (quarantined units left out) the worker keeps, for NACK
 * containment: as many as the in-process publisher keeps versions (publish-gateways.ts), so a search
 * over 10,000 rules finds the table an Envoy runs.
 */
export const REMEMBERED_BUILT = 64;

/** One message to post, with what it transfers. */
export interface Outgoing {
  message: WorkerMessage;
  transfer: ArrayBuffer[];
}

export interface TranslationCore {
  /** Handles one request: the messages to post, in order. */
  handle(request: WorkerRequest): Outgoing[];
}

export interface TranslationCoreOptions {
  /**
   * Rewrites each gateway's IR just before it is built (and each probe's): tests inject a resource
   * Envoy refuses past every validation, as the in-process publisher's `build` does. The backends-only
   * fast path is off then, as it is in process with `build`.
   */
  rewriteIr?: (ir: GatewayIR) => GatewayIR;
}

export function createTranslationCore(coreOptions: TranslationCoreOptions = {}): TranslationCore {
  const { rewriteIr } = coreOptions;
  const build = (ir: GatewayIR) => buildXds(rewriteIr ? rewriteIr(ir) : ir, { proxyless: true, cache: buildCache });
  let options: WorkerTranslateOptions | undefined;
  let resources = new ResourceSet();
  let translationCache = createTranslationCache();
  const buildCache = createXdsBuildCache();
  const encodeCache: EncodeCache = new WeakMap();
  /** The translator's last result (the base of the endpoint fast path), valid while `cacheMatches`. */
  let translated: TranslationResult | undefined;
  let cacheMatches = false;
  /** Per gateway, the IR its last answer was built from (the same object again: nothing to build). */
  const builtFrom = new Map<string, GatewayIR>();
  /** Per gateway, what the main thread holds of each resource list. */
  const sent = new Map<string, SentVersions>();
  let previousStatuses: ReadonlyMap<string, ObjectStatus> = new Map();
  /** Per gateway, the IR of its last builds, by translation id: the translator's, and the one built (quarantine applied). */
  const irs = new Map<string, Map<number, GatewayIR>>();
  const builtIrs = new Map<string, Map<number, GatewayIR>>();
  /** The worker's copy of the quarantine: it filters every build, as the in-process publisher's does. */
  let quarantine = createQuarantine();
  /**
   * What each gateway serves, JSON included (the builder's own, as in process): the last build
   * without problems (the main thread's consistency gate refuses the others), with its patches.
   */
  const served = createServedResources();
  /** Per gateway, the quarantine revision its last build was filtered with. */
  const builtRevision = new Map<string, number>();

  function upsert(objects: readonly KubeObject[]): void {
    resources = resources.clone();
    for (const o of objects) resources.upsert(o as Parameters<ResourceSet['upsert']>[0]);
  }

  function remove(refs: readonly ObjectRef[]): void {
    resources = resources.clone();
    for (const ref of refs) resources.delete(ref.kind, ref.namespace, ref.name);
  }

  function translateNow(request: Extract<WorkerRequest, { type: 'translate' }>): Outgoing[] {
    if (!options) throw new Error('translate before reset: the worker has no options');
    const { id, generation } = request;
    const started = performance.now();
    const now = new Date(request.now);
    const common = {
      controllerName: options.controllerName,
      now,
      cache: translationCache,
      ...(options.externalNameServices ? { externalNameServices: options.externalNameServices } : {}),
      ...(options.rateLimitService ? { rateLimitService: options.rateLimitService } : {}),
    };
    const endpointsOnly = !!(request.endpointsOnly && translated && cacheMatches);
    let result: TranslationResult;
    try {
      cacheMatches = false;
      // The endpoint fast path recomputes no Gateway status: it is given no facts (as in process).
      result = endpointsOnly
        ? translateEndpointChange(translated!, resources, common, request.endpointsOnly)
        : translate(resources, { ...common, ...(request.gatewayFacts ? translatorOptionsFrom(request.gatewayFacts) : {}) });
      cacheMatches = true;
    } catch (error) {
      const e = error instanceof Error ? error : new Error(String(error));
      return [{ message: { type: 'failed', id, generation, message: e.message, ...(e.stack ? { stack: e.stack } : {}) }, transfer: [] }];
    }
    translated = result;
    const translateMs = performance.now() - started;

    const built = performance.now();
    const transfer: ArrayBuffer[] = [];
    const gateways: WorkerGateway[] = [];
    const released: QuarantineEntry[] = [];
    const listenerPorts: [string, { type: ListenerIR['type']; port: number }[]][] = [];
    for (const [gateway, ir] of keepFailedGateways(result)) {
      listenerPorts.push([gateway, ir.listeners.map((l) => ({ type: l.type, port: l.port }))]);
      const answer = buildGateway(gateway, ir, released);
      if (answer.outcome === 'built' || answer.outcome === 'patched') {
        transfer.push(answer.resources.buffer);
        remember(irs, REMEMBERED_BUILDS, gateway, id, ir);
        remember(builtIrs, REMEMBERED_BUILT, gateway, id, quarantine.apply(gateway, ir).ir);
      }
      gateways.push(answer);
    }
    for (const gateway of [...builtFrom.keys()]) {
      if (gateways.some((g) => g.gateway === gateway)) continue;
      builtFrom.delete(gateway);
      sent.delete(gateway);
      irs.delete(gateway);
      builtIrs.delete(gateway);
      builtRevision.delete(gateway);
      served.delete(gateway);
      quarantine.forget(gateway);
    }
    const buildMs = performance.now() - built;

    // The statuses say which routes Envoy refused, as in process (reconciler.ts), after this build's releases.
    const marked = withQuarantineStatuses(result, quarantine.entries(), now, resources.list('ListenerSet'));
    const statuses = marked.statuses;
    const changed: [string, ObjectStatus][] = [];
    for (const [key, status] of statuses) if (previousStatuses.get(key) !== status) changed.push([key, status]);
    const removedStatuses = [...previousStatuses.keys()].filter((key) => !statuses.has(key));
    previousStatuses = statuses;
    const changedStatuses = serializeInSlices(changed, STATUSES_PER_SLICE);
    transfer.push(changedStatuses.buffer);
    return [{
      message: {
        type: 'translated',
        id,
        generation,
        path: endpointsOnly ? 'endpoints' : 'translate',
        changedStatuses,
        gateways,
        removedStatuses,
        released,
        listenerPorts,
        diagnostics: marked.diagnostics,
        failures: result.failures,
        ...(result.shadowed ? { shadowed: result.shadowed } : {}),
        // The IR stays here: the service's configuration is made here, from what every gateway was built from.
        ...(options.rateLimitService ? { rateLimitFiles: rateLimitServiceConfig(builtFrom.values()) } : {}),
        translateMs,
        buildMs,
      },
      transfer,
    }];
  }

  function remember(byGateway: Map<string, Map<number, GatewayIR>>, limit: number, gateway: string, id: number, ir: GatewayIR): void {
    let builds = byGateway.get(gateway);
    if (!builds) byGateway.set(gateway, (builds = new Map()));
    builds.set(id, ir);
    if (builds.size > limit) builds.delete(builds.keys().next().value!);
  }

  function irAnswer(request: Extract<WorkerRequest, { type: 'ir' }>): Outgoing {
    const ir = (request.built ? builtIrs : irs).get(request.gateway)?.get(request.id);
    if (!ir) return { message: { type: 'no-ir', request: request.request, message: `the worker no longer holds the IR of ${request.gateway} built by translation ${request.id}` }, transfer: [] };
    const serialized = ownBuffer(serialize(ir));
    return { message: { type: 'ir', request: request.request, ir: serialized }, transfer: [serialized] };
  }

  /** The translation's gateways, plus the last good IR of each one missing only because translating it threw. */
  function keepFailedGateways(result: TranslationResult): Map<string, GatewayIR> {
    const gateways = new Map(result.gateways);
    for (const f of result.failures) {
      if (f.gateway !== undefined && !gateways.has(f.gateway) && builtFrom.has(f.gateway)) gateways.set(f.gateway, builtFrom.get(f.gateway)!);
    }
    return new Map([...gateways].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }

  function xdsAnswer(request: Extract<WorkerRequest, { type: 'xds' }>): Outgoing {
    const all = served.all();
    const keys = (request.gateways ?? [...all.keys()]).filter((g) => all.has(g)).sort();
    const dumps = ownBuffer(serialize(keys.map((g) => [g, redactedConfigDump(all.get(g)!)])));
    return { message: { type: 'xds', request: request.request, dumps }, transfer: [dumps] };
  }

  /** A probe's route tables, with the clusters and endpoint sets they use, every one with its bytes. */
  function probeAnswer(request: Extract<WorkerRequest, { type: 'probe' }>): Outgoing {
    try {
      const ir = deserialize(new Uint8Array(request.ir)) as GatewayIR;
      const resources = packResources(encodeResources(build(ir), encodeCache), emptySentVersions());
      return { message: { type: 'probe', request: request.request, resources }, transfer: [resources.buffer] };
    } catch (error) {
      return { message: { type: 'no-probe', request: request.request, message: error instanceof Error ? error.message : String(error) }, transfer: [] };
    }
  }

  function buildGateway(gateway: string, input: GatewayIR, released: QuarantineEntry[]): WorkerGateway {
    const previous = builtFrom.get(gateway);
    const revision = quarantine.revision(gateway);
    if (previous === input && builtRevision.get(gateway) === revision) return { gateway, outcome: 'unchanged' };
    const sameQuarantine = builtRevision.get(gateway) === revision;
    // The quarantined units left out, as the in-process publisher does (publish-gateways.ts).
    const filtered = quarantine.apply(gateway, input);
    released.push(...filtered.released);
    const ir = filtered.ir;
    try {
      // Only backends changed (the translator's endpoint fast path): build their clusters and endpoint
      // sets alone, as the in-process publisher does (publish-gateways.ts publishBackends).
      const backends = sent.has(gateway) && sameQuarantine && !rewriteIr ? changedBackendsOnly(previous, input) : undefined;
      if (backends) {
        const encoded = encodeResources({ listeners: [], routes: [], secrets: [], ...buildBackendResources(backends, buildCache, ir) }, encodeCache);
        const versions = sent.get(gateway)!;
        // A backend whose resources got another name (e.g. an endpoint set it had none of) needs the full build.
        if ((['clusters', 'endpoints'] as const).every((kind) => encoded[kind].every((r) => versions[kind].versions.has(r.name)))) {
          const resources = packPatch(encoded, versions);
          builtFrom.set(gateway, input);
          served.patch(gateway, encoded);
          return { gateway, outcome: 'patched', resources };
        }
      }
      const xds = build(ir);
      const problems = consistencyProblems(xds, buildCache);
      const encoded = encodeResources(xds, encodeCache);
      let versions = sent.get(gateway);
      if (!versions) sent.set(gateway, (versions = emptySentVersions()));
      const resources = packResources(encoded, versions);
      builtFrom.set(gateway, input);
      if (problems.length === 0) served.set(gateway, encoded);
      builtRevision.set(gateway, quarantine.revision(gateway));
      return { gateway, outcome: 'built', problems, resources };
    } catch (error) {
      const e = error instanceof Error ? error : new Error(String(error));
      return { gateway, outcome: 'error', message: e.message, ...(e.stack ? { stack: e.stack } : {}) };
    }
  }

  return {
    handle(request) {
      switch (request.type) {
        case 'reset':
          options = request.options;
          // The host sends the whole quarantine after a reset.
          quarantine = createQuarantine();
          resources = new ResourceSet();
          translationCache = createTranslationCache();
          translated = undefined;
          cacheMatches = false;
          return [];
        case 'upsert':
          upsert(request.objects);
          return [];
        case 'delete':
          remove(request.refs);
          return [];
        case 'translate':
          return translateNow(request);
        case 'ir':
          return [irAnswer(request)];
        case 'quarantine':
          quarantine.add(request.entries);
          return [];
        case 'probe':
          return [probeAnswer(request)];
        case 'xds':
          return [xdsAnswer(request)];
      }
    },
  };
}

/** A buffer that owns its whole ArrayBuffer, so transferring it moves nothing else. */
function ownBuffer(bytes: Uint8Array): ArrayBuffer {
  if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer) return bytes.buffer;
  return bytes.slice().buffer as ArrayBuffer;
}
