/**
 * Memory between translations, so that a change costs what it touches rather than the whole
 * ResourceSet: a route whose object and inputs are unchanged is not translated again, and a backend
 * whose Service port and EndpointSlices are unchanged keeps its BackendIR. The results are the same
 * objects as last time, which the xDS builder and encoder key their own caches on.
 *
 * Correctness rests on knowing what a route's translation read. Reads of single objects (`get`: the
 * Services it sends to) are recorded and compared by identity (skipped while the kind's token, see
 * ResourceSet.kindToken, is the same); reads of whole kinds (`list`/`listIn`:
 * ReferenceGrants, and the BackendTLSPolicy index with its ConfigMaps and Secrets, which is built once
 * per translation and so cannot be attributed to one route) make the route depend on that kind, whose
 * version changes whenever any object of the kind is added, replaced or removed. Providers keep the
 * identity of unchanged objects; a provider that does not just gets no reuse.
 * `translate.incremental.property.test.ts` checks that a cached translation always equals a fresh one.
 */
import type { BackendIR } from '@portico/ir';
import type { EndpointSlice, Kind, ResourceSet, Route } from '@portico/resources';
import type { BackendSpec } from './backends/backends.js';
import type { ObjectStatus } from './result.js';
import { carryTransitionTimes } from './status/transition-times.js';
import type { TranslatedRoute } from './routes/translated-route.js';
import type { SortedNamesMemo } from './gateway-ir/referenced-backend-names.js';
import type { AttachmentMemo } from './routes/attachment-memo.js';
import { reusedParents, type BuiltParents } from './gateways/reused-parents.js';

/** Kinds every route translation depends on as a whole (see the file comment). */
const ALWAYS_DEPENDS_ON: readonly Kind[] = ['ReferenceGrant', 'BackendTLSPolicy', 'XBackendTrafficPolicy', 'SecurityPolicy', 'RateLimitPolicy', 'BackendPolicy', 'ConfigMap', 'Secret'];

interface RecordedGet {
  kind: Kind;
  namespace: string | undefined;
  name: string;
  object: unknown;
}

interface RouteMemo {
  translated: TranslatedRoute;
  gets: RecordedGet[];
  /** The kind tokens (ResourceSet.kindToken) the gets were last checked against: same token, nothing to compare. */
  tokens: Map<Kind, object>;
  kinds: Map<Kind, number>;
  /** Every backend the route resolved: replayed into the context on reuse. */
  backends: BackendSpec[];
  /** The tokenEpoch the gets were last found valid in: the same, no get's kind was written since. */
  getsCheckedIn: number;
  /** The kindsEpoch `kinds` was last found valid in: the same, no kind's version moved since. */
  kindsCheckedIn: number;
}

interface BackendMemo {
  spec: BackendSpec;
  slices: readonly EndpointSlice[] | undefined;
  ir: BackendIR;
  usedIn: number;
}

/** Opaque to callers: create one per long-lived translator (the server's reconciler) and pass it to every `translate`. */
export interface TranslationCache {
  /** Called by `translate` first: options that change the meaning of cached results reset the cache. */
  begin(resources: ResourceSet, optionsKey: string): void;
  /** Called by `translate` last: forgets backends no longer used. */
  end(): void;
  /** The route's translation, from memory when nothing it read has changed. */
  route(route: Route, translate: (route: Route, recording: ResourceSet, backends: BackendSpec[]) => TranslatedRoute): { translated: TranslatedRoute; backends: readonly BackendSpec[] };
  backend(spec: BackendSpec, slices: readonly EndpointSlice[] | undefined): BackendIR | undefined;
  rememberBackend(spec: BackendSpec, slices: readonly EndpointSlice[] | undefined, ir: BackendIR): void;
  /** Whether the backend `name` remembered is `ir` (gateway-backends.ts); if so it counts as used, as `backend` would. */
  keptBackend(name: string, ir: BackendIR): boolean;
  /**
   * The EndpointSlice-only fast path (endpoint-update.ts): every remembered backend (of `services`,
   * when given) whose Service's slices (by identity) differ from `slicesOf(service)`, with its
   * endpoints resolved again.
   */
  refreshEndpoints(slicesOf: (service: string) => readonly EndpointSlice[] | undefined, resolve: (spec: BackendSpec) => BackendIR, services?: ReadonlySet<string>): Map<string, BackendIR>;
  /** The Service (`namespace/name`) a remembered backend last took this EndpointSlice (`namespace/name`) from. */
  serviceOfSlice(slice: string): string | undefined;
  /**
   * A route's status, the previous object when the route's translation was reused and its verdicts
   * (`signature`) are the same: its conditions then keep their lastTransitionTime, as the spec wants
   * ("the last time the condition transitioned"), and readers can skip it by identity.
   */
  routeStatus<T>(translated: TranslatedRoute, signature: string, build: () => T): T;
  /**
   * The statuses of this translation with the lastTransitionTime of every condition whose status is
   * unchanged since the previous translation carried over (transition-times.ts); remembered for the next.
   */
  carryTransitionTimes(statuses: Map<string, ObjectStatus>): Map<string, ObjectStatus>;
  /** EndpointSlices by Service, reused while the set's EndpointSlices are unchanged (by kind token). */
  slicesByService(resources: ResourceSet, index: (resources: ResourceSet) => Map<string, EndpointSlice[]>): Map<string, EndpointSlice[]>;
  /**
   * A number that stays the same while no object of `kinds` (what building the attachment parents
   * read, see routes/attachment-memo.ts) is added, replaced or removed, and while `kinds` is the same set.
   */
  parentsEpoch(kinds: Iterable<Kind>): number;
  /**
   * The previous translation's parents when `fresh` equals them (gateways/reused-parents.ts), else
   * `fresh`: the same parent states let remembered attachments be reused as they are.
   */
  parents(fresh: BuiltParents): BuiltParents;
  /** Keeps this translation's parents for the next (only when nothing failed: a failure marks its Gateway). */
  keepParents(parents: BuiltParents | undefined): void;
  /** The route object's remembered attachment outcome (routes/attachment-memo.ts). */
  attachment(route: Route): AttachmentMemo | undefined;
  rememberAttachment(route: Route, memo: AttachmentMemo): void;
  /** A gateway's (IR name) sorted backend names of last time (referenced-backend-names.ts); forgotten with the gateway. */
  backendNames(gateway: string): SortedNamesMemo;
  /** Figures of the last translation, for tests and benchmarks. */
  stats(): { routesReused: number; routesTranslated: number; backendsReused: number; backendsResolved: number };
}

export function createTranslationCache(): TranslationCache {
  let resources: ResourceSet | undefined;
  let optionsKey: string | undefined;
  let generation = 0;
  let routes = new WeakMap<Route, RouteMemo>();
  let attachments = new WeakMap<Route, AttachmentMemo>();
  let parentsVersions: Map<Kind, number> | undefined;
  let parentsEpoch = 0;
  let keptParents: BuiltParents | undefined;
  let statuses = new WeakMap<TranslatedRoute, { signature: string; value: unknown }>();
  let previousStatuses = new Map<string, ObjectStatus>();
  /**
   * Per status key, the status `translate` made last time (before carrying): a status object made once
   * and handed out again (routeStatus) is carried onto the very status it was carried into last time,
   * which gives that status back (carrying is idempotent), so it is not walked and compared again.
   */
  let previousInputs = new Map<string, ObjectStatus>();
  let slices: { token: object; byService: Map<string, EndpointSlice[]> } | undefined;
  const backends = new Map<string, BackendMemo>();
  const backendNames = new Map<string, { memo: SortedNamesMemo; usedIn: number }>();
  const kindLists = new Map<Kind, { token: object | undefined; objects: unknown[]; version: number; checkedIn: number }>();
  const stats = { routesReused: 0, routesTranslated: 0, backendsReused: 0, backendsResolved: 0 };
  /** Service `namespace/name` → the names of the remembered backends on it. */
  const backendsOfService = new Map<string, Set<string>>();
  /** EndpointSlice `namespace/name` → the Service it served (a deleted slice no longer says). */
  const sliceServices = new Map<string, string>();
  /** The EndpointSlice kind token sliceServices was last rebuilt for. */
  let slicesIndexedFor: object | undefined;
  /*
   * A one-route edit leaves every other route's inputs alone: rather than each of 10,000 memos asking
   * after each of its kinds, the kinds are checked once per translation (begin) and the memos compare
   * one number. tokenEpoch moves when a kind some route read single objects of (`get`) was written;
   * kindsEpoch when a kind some route depends on as a whole (kindLists) changed version.
   */
  let tokenEpoch = 0;
  let kindsEpoch = 0;
  const getKindTokens = new Map<Kind, object>();

  function advanceEpochs(): void {
    let written = false;
    for (const [kind, token] of getKindTokens) {
      const current = resources!.kindToken(kind);
      if (current === token) continue;
      getKindTokens.set(kind, current);
      written = true;
    }
    if (written) tokenEpoch++;
    let moved = false;
    for (const [kind, entry] of kindLists) {
      const before = entry.version;
      if (kindVersion(kind) !== before) moved = true;
    }
    if (moved) kindsEpoch++;
  }

  function rememberSlices(service: string, slices: readonly EndpointSlice[] | undefined): void {
    for (const slice of slices ?? []) sliceServices.set(`${slice.metadata.namespace}/${slice.metadata.name}`, service);
  }

  /** The kind's version: bumped when its objects differ (by identity) from the previous translation's. */
  function kindVersion(kind: Kind): number {
    const entry = kindLists.get(kind);
    if (entry?.checkedIn === generation) return entry.version;
    // Sets cloned from one another share a kind's index until it is written: then nothing to compare.
    const token = resources!.kindToken(kind);
    if (entry && token !== undefined && token === entry.token) {
      entry.checkedIn = generation;
      return entry.version;
    }
    const objects = resources!.list(kind);
    if (!entry) {
      kindLists.set(kind, { token, objects, version: 0, checkedIn: generation });
      return 0;
    }
    if (!sameObjects(entry.objects, objects)) {
      entry.version++;
      entry.objects = objects;
    }
    entry.token = token;
    entry.checkedIn = generation;
    return entry.version;
  }

  function stillValid(memo: RouteMemo): boolean {
    if (memo.getsCheckedIn !== tokenEpoch) {
      for (const [kind, token] of memo.tokens) {
        const current = resources!.kindToken(kind);
        if (current === token) continue;
        for (const g of memo.gets) if (g.kind === kind && resources!.get(g.kind, g.namespace, g.name) !== g.object) return false;
        memo.tokens.set(kind, current);
      }
      memo.getsCheckedIn = tokenEpoch;
    }
    if (memo.kindsCheckedIn !== kindsEpoch) {
      for (const [kind, version] of memo.kinds) if (kindVersion(kind) !== version) return false;
      memo.kindsCheckedIn = kindsEpoch;
    }
    return true;
  }

  return {
    begin(next, key) {
      if (key !== optionsKey) {
        routes = new WeakMap();
        attachments = new WeakMap();
        parentsVersions = undefined;
        keptParents = undefined;
        statuses = new WeakMap();
        previousStatuses = new Map();
        previousInputs = new Map();
        backends.clear();
        backendNames.clear();
        kindLists.clear();
        getKindTokens.clear();
        sliceServices.clear();
        backendsOfService.clear();
        optionsKey = key;
      }
      resources = next;
      generation++;
      advanceEpochs();
      Object.assign(stats, { routesReused: 0, routesTranslated: 0, backendsReused: 0, backendsResolved: 0 });
    },
    end() {
      // forEach rather than for-of: no entry array per backend, 10,000 of them after every edit.
      backends.forEach((memo, name) => {
        if (memo.usedIn === generation) return;
        backends.delete(name);
        backendsOfService.get(serviceKey(memo.spec))?.delete(name);
      });
      for (const [name, entry] of backendNames) if (entry.usedIn !== generation) backendNames.delete(name);
      // Slices deleted since are forgotten: the map is rebuilt from the remembered backends whenever
      // the set's EndpointSlices changed (not on every translation: it costs one pass over the slices).
      const slicesToken = resources!.kindToken('EndpointSlice');
      if (slicesToken !== slicesIndexedFor) {
        sliceServices.clear();
        for (const memo of backends.values()) rememberSlices(serviceKey(memo.spec), memo.slices);
        slicesIndexedFor = slicesToken;
      }
      resources = undefined;
    },
    route(route, translate) {
      const memo = routes.get(route);
      if (memo && stillValid(memo)) {
        stats.routesReused++;
        return memo;
      }
      stats.routesTranslated++;
      const real = resources!;
      const gets: RecordedGet[] = [];
      const kinds = new Map<Kind, number>();
      for (const kind of ALWAYS_DEPENDS_ON) kinds.set(kind, kindVersion(kind));
      // Reads go through this view while the route translates; everything else is the real set.
      const recording = Object.create(real) as ResourceSet;
      Object.assign(recording, {
        get(kind: Kind, namespace: string | undefined, name: string) {
          const object = real.get(kind, namespace, name);
          gets.push({ kind, namespace, name, object });
          return object;
        },
        list(kind: Kind) {
          kinds.set(kind, kindVersion(kind));
          return real.list(kind);
        },
        listIn(kind: Kind, namespace: string) {
          kinds.set(kind, kindVersion(kind));
          return real.listIn(kind, namespace);
        },
      });
      const used: BackendSpec[] = [];
      const translated = translate(route, recording, used);
      const tokens = new Map(gets.map((g) => [g.kind, real.kindToken(g.kind)] as const));
      for (const [kind, token] of tokens) if (!getKindTokens.has(kind)) getKindTokens.set(kind, token);
      const fresh: RouteMemo = { translated, gets, tokens, kinds, backends: used, getsCheckedIn: tokenEpoch, kindsCheckedIn: kindsEpoch };
      routes.set(route, fresh);
      return fresh;
    },
    backend(spec, slices) {
      const memo = backends.get(spec.name);
      if (!memo || !sameSpec(memo.spec, spec) || !sameObjects(memo.slices ?? [], slices ?? [])) return undefined;
      memo.usedIn = generation;
      stats.backendsReused++;
      return memo.ir;
    },
    keptBackend(name, ir) {
      const memo = backends.get(name);
      if (memo?.ir !== ir) return false;
      memo.usedIn = generation;
      stats.backendsReused++;
      return true;
    },
    rememberBackend(spec, slices, ir) {
      stats.backendsResolved++;
      const service = serviceKey(spec);
      rememberSlices(service, slices);
      let names = backendsOfService.get(service);
      if (!names) backendsOfService.set(service, (names = new Set()));
      names.add(spec.name);
      backends.set(spec.name, { spec, slices: slices ? [...slices] : undefined, ir, usedIn: generation });
    },
    refreshEndpoints(slicesOf, resolve, services) {
      const changed = new Map<string, BackendIR>();
      const names = services ? [...services].flatMap((service) => [...(backendsOfService.get(service) ?? [])]) : [...backends.keys()];
      for (const name of names) {
        const memo = backends.get(name);
        if (!memo) continue;
        const service = serviceKey(memo.spec);
        const slices = slicesOf(service);
        if (sameObjects(memo.slices ?? [], slices ?? [])) continue;
        const ir = resolve(memo.spec);
        backends.set(name, { ...memo, slices: slices ? [...slices] : undefined, ir });
        rememberSlices(service, slices);
        changed.set(name, ir);
      }
      return changed;
    },
    serviceOfSlice: (slice) => sliceServices.get(slice),
    slicesByService(set, index) {
      const token = set.kindToken('EndpointSlice');
      if (slices?.token !== token) slices = { token, byService: index(set) };
      return slices.byService;
    },
    routeStatus(translated, signature, build) {
      const memo = statuses.get(translated);
      if (memo?.signature === signature) return memo.value as ReturnType<typeof build>;
      const value = build();
      statuses.set(translated, { signature, value });
      return value;
    },
    carryTransitionTimes(current) {
      const carried = new Map<string, ObjectStatus>();
      // The statuses come in the order of last time but for what changed: walked side by side with
      // last time's while the keys agree (previousStatuses was filled in previousInputs' order), looked up after.
      const inputs = previousInputs.entries();
      const outputs = previousStatuses.values();
      let inStep = true;
      current.forEach((status, key) => {
        let previous: ObjectStatus | undefined;
        let input: ObjectStatus | undefined;
        if (inStep) {
          const i = inputs.next();
          const o = outputs.next();
          if (!i.done && !o.done && i.value[0] === key) {
            input = i.value[1];
            previous = o.value;
          } else inStep = false;
        }
        if (!inStep) {
          previous = previousStatuses.get(key);
          input = previousInputs.get(key);
        }
        carried.set(key, previous !== undefined && input === status ? previous : carryTransitionTimes(status, previous));
      });
      previousStatuses = carried;
      previousInputs = current;
      return carried;
    },
    parentsEpoch(kinds) {
      const versions = new Map<Kind, number>();
      for (const kind of kinds) versions.set(kind, kindVersion(kind));
      const same = parentsVersions !== undefined && parentsVersions.size === versions.size && [...versions].every(([k, v]) => parentsVersions!.get(k) === v);
      if (!same) {
        parentsEpoch++;
        parentsVersions = versions;
      }
      return parentsEpoch;
    },
    parents(fresh) {
      const parents = reusedParents(fresh, keptParents);
      keptParents = undefined;
      return parents;
    },
    keepParents(parents) {
      keptParents = parents;
    },
    attachment: (route) => attachments.get(route),
    rememberAttachment(route, memo) {
      attachments.set(route, memo);
    },
    backendNames(gateway) {
      let entry = backendNames.get(gateway);
      if (!entry) backendNames.set(gateway, (entry = { memo: {}, usedIn: generation }));
      entry.usedIn = generation;
      return entry.memo;
    },
    stats: () => ({ ...stats }),
  };
}

function serviceKey(spec: BackendSpec): string {
  return `${spec.service.namespace}/${spec.service.name}`;
}

function sameObjects(a: readonly unknown[], b: readonly unknown[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Equal specs resolve to equal backends; the TLS settings are rebuilt each translation, so compare them by value. */
function sameSpec(a: BackendSpec, b: BackendSpec): boolean {
  if (a === b) return true;
  // An ExternalName backend without declared ports has a port of its own making each time: compared by value.
  const samePort = a.servicePort === b.servicePort || (a.externalName !== undefined && JSON.stringify(a.servicePort) === JSON.stringify(b.servicePort));
  return a.name === b.name && a.protocol === b.protocol && samePort && a.externalName === b.externalName && JSON.stringify(a.tls) === JSON.stringify(b.tls) && JSON.stringify(a.retryBudget) === JSON.stringify(b.retryBudget) && JSON.stringify(a.policy) === JSON.stringify(b.policy);
}
