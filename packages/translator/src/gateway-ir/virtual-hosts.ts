/**
 * Virtual hosts of one HTTP route table.
 * - A request belongs to the listener with the most specific hostname matching it
 *   (gateway_types.go Listener.Hostname); routes of other listeners never serve it
 *   (GatewayHTTPListenerIsolation). A listener with a hostname gets its own virtual host when it
 *   has routes or when a broader domain of the table would otherwise catch its requests, so they
 *   answer 404 rather than fall through to a broader listener's routes.
 * - Within a listener, a request is served by the routes whose hostname matches it, routes with the
 *   longest non-wildcard hostname first, then the longest wildcard (httproute_types.go Hostnames),
 *   then match precedence (precedence.ts). Each virtual host therefore lists its own routes followed
 *   by those of the broader hostnames that also cover it.
 * - Routes whose listener/route intersections are the same hostname are ordered by the hostnames
 *   written on the routes (GatewayRouteHostnameIntersectionPrecedence): on a listener for
 *   `abc.example.com`, every rule of a route for `abc.example.com` comes before those of a route for
 *   `*.example.com`, whatever their matches and ages; a route without hostnames comes last.
 */
import type { HTTPRouteIR, VirtualHostIR } from '@portico/ir';
import { compareHostnameSpecificity, hostnameMatches, isWildcard, owningListener, routeHostnameBehind } from '../routes/hostnames.js';
import type { ListenerState } from '../gateways/listeners.js';
import { grpcMatchKey, httpMatchKey, originKey } from './precedence.js';
import type { RouteEntry } from '../routes/translated-route.js';
import { findShadowedEntries, type PlacedEntry, type ShadowedEntry } from './shadowing/shadowed-entries.js';

/** A route's entries as served through one listener, for the given hostnames. */
export interface ListenerRoutes {
  listener: ListenerState;
  hostnames: string[];
  /** The hostnames written on the route (undefined or empty: any). */
  routeHostnames?: readonly string[];
  entries: RouteEntry[];
}

/** The shadowed entries (shadowing/shadowed-entries.ts) of one listener hostname. */
export interface HostnameShadowing {
  listener: ListenerState;
  hostname: string;
  found: ShadowedEntry[];
}

/** One route's entries under one intersected hostname, with the route hostname they came from. */
interface EntryGroup {
  behind: string;
  entries: readonly RouteEntry[];
}

export interface VirtualHostOptions {
  /**
   * Keep each listener hostname's ordering (and shadowing sweep) for the next call, and reuse the
   * last one when its groups are the same (orderedGroups): worth it for a translator that runs
   * again on mostly the same routes, pure overhead for a one-off translation.
   */
  reuse?: boolean;
}

export function buildVirtualHosts(
  served: readonly ListenerRoutes[],
  /** Every listener competing for the same requests (ownership is decided among them). */
  peers: readonly ListenerState[],
  /** Receives the shadowed entries of each listener hostname, when given. */
  shadowing?: HostnameShadowing[],
  options: VirtualHostOptions = {},
): VirtualHostIR[] {
  const peerHostnames = peers.map((l) => l.spec.hostname);
  const owner = (hostname: string): ListenerState | undefined =>
    hostname === '*' ? peers.find((l) => !l.spec.hostname) : peers[owningListener(peerHostnames, hostname)];

  // Route entries per listener per hostname pattern, keeping only what the listener owns.
  const patterns = new Map<ListenerState, Map<string, EntryGroup[]>>();
  for (const { listener, hostnames, routeHostnames, entries } of served) {
    for (const hostname of hostnames) {
      if (owner(hostname) !== listener) continue;
      let byPattern = patterns.get(listener);
      if (!byPattern) patterns.set(listener, (byPattern = new Map()));
      const group = { behind: routeHostnameBehind(listener.spec.hostname, routeHostnames, hostname), entries };
      const groups = byPattern.get(hostname);
      if (groups) groups.push(group);
      else byPattern.set(hostname, [group]);
    }
  }
  const domains = new Set<string>();
  for (const byPattern of patterns.values()) for (const p of byPattern.keys()) domains.add(p);
  for (const l of new Set(served.map((s) => s.listener))) if (l.spec.hostname) domains.add(l.spec.hostname);
  // A peer listener's requests belong to it even when it has no routes (gateway_types.go Listeners:
  // "requests SHOULD match at most one Listener"; a request not matching an attached route MUST get a
  // 404): when a broader domain of this table would catch them, give the peer an empty virtual host.
  const broader = [...domains];
  for (const l of peers) {
    const h = l.spec.hostname;
    if (h && !domains.has(h) && broader.some((d) => covers(d, h))) domains.add(h);
  }

  const hosts: VirtualHostIR[] = [];
  for (const domain of [...domains].sort(compareHostnameSpecificity)) {
    const listener = owner(domain);
    const byPattern = listener ? patterns.get(listener) : undefined;
    const covering = [...(byPattern?.keys() ?? [])].filter((p) => covers(p, domain)).sort(compareHostnameSpecificity);
    const seen = new Set<RouteEntry>();
    let routes: HTTPRouteIR[] = [];
    for (const p of covering) {
      const groups = byPattern!.get(p)!;
      const ordered: OrderedGroups = options.reuse ? orderedGroups(groups) : { groups, sorted: sortedEntries(groups, false), remember: false };
      const sorted = ordered.sorted;
      // Each listener hostname once, in its own virtual host; its entries keep this order in the
      // narrower hosts that list them after their own.
      if (shadowing && p === domain) {
        const found = (ordered.shadowed ??= findShadowedEntries(sorted, { rememberShapes: ordered.remember }));
        if (found.length > 0) shadowing.push({ listener: listener!, hostname: p, found });
      }
      if (covering.length === 1) {
        // The usual host, served by its own hostname only: its route list depends on nothing but the ordering.
        routes = (ordered.routes ??= distinctRoutes(sorted, seen)).slice();
        break;
      }
      for (const route of distinctRoutes(sorted, seen)) routes.push(route);
    }
    hosts.push(options.reuse ? sameHost(domain, routes) : { name: domain, domains: [domain], routes });
  }
  return hosts;
}

/** The routes of `sorted`, each entry once (its first, most specific, place); `seen` receives the entries. */
function distinctRoutes(sorted: readonly DecoratedEntry[], seen: Set<RouteEntry>): HTTPRouteIR[] {
  const routes: HTTPRouteIR[] = [];
  for (const { entry } of sorted) {
    if (seen.has(entry)) continue;
    seen.add(entry);
    routes.push(entry.ir);
  }
  return routes;
}

/**
 * The previous translation's virtual hosts, by their first route: a one-route edit leaves the other
 * hosts of the table with the very same routes (RouteIR objects of unchanged routes are reused,
 * translation-cache.ts), and handing back the same host object lets what reads the IR skip it by
 * identity (referenced-backend-names.ts). At most HOSTS_PER_KEY per first route (a route listed under
 * several hostnames starts several).
 */
const previousHosts = new WeakMap<HTTPRouteIR, VirtualHostIR[]>();
const HOSTS_PER_KEY = 4;

function sameHost(name: string, routes: HTTPRouteIR[]): VirtualHostIR {
  const fresh: VirtualHostIR = { name, domains: [name], routes };
  const first = routes[0];
  if (!first) return fresh;
  const known = previousHosts.get(first);
  const hit = known?.find((h) => h.name === name && h.domains.length === 1 && h.domains[0] === name && sameRoutes(h.routes, routes));
  if (hit) return hit;
  previousHosts.set(first, [fresh, ...(known ?? []).slice(0, HOSTS_PER_KEY - 1)]);
  return fresh;
}

function sameRoutes(a: readonly HTTPRouteIR[], b: readonly HTTPRouteIR[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Does hostname pattern `p` match every request that `domain` matches? */
function covers(p: string, domain: string): boolean {
  if (p === domain || p === '*') return true;
  if (!isWildcard(p)) return false;
  return hostnameMatches(p, isWildcard(domain) ? `x${domain.slice(1)}` : domain);
}

/** One listener hostname's groups in precedence order, and (once asked for) its shadowed entries. */
interface OrderedGroups {
  groups: readonly EntryGroup[];
  sorted: DecoratedEntry[];
  shadowed?: ShadowedEntry[];
  /** The route list of a virtual host served by this hostname alone (once asked for). */
  routes?: HTTPRouteIR[];
  /** Kept for later calls: then the entries' match shapes are worth keeping too. */
  remember: boolean;
}

/**
 * The last orderings made, by the `entries` array of their first group and of their last. A route's
 * entries array is the same object for as long as the route is unchanged (translation-cache.ts reuses
 * its translation), so a one-route edit finds every other listener hostname's groups the same (by
 * identity, in the same order) and reuses their sort and shadowing sweep: both depend on nothing but
 * the groups (and are never mutated by their users). The edited hostname's groups differ from its last
 * ordering's in a few places only, and that ordering is patched (patchedEntries) rather than sorted
 * again. Weak by the first and last routes' entries, and at most ORDERINGS_PER_KEY under each: an
 * ordering that still lists routes since edited or deleted is dropped with its key, or pushed out by
 * newer orderings under the same key.
 */
const orderings = new WeakMap<readonly RouteEntry[], OrderedGroups[]>();
/** Orderings kept per first (and per last) `entries` array (a route listed under several hostnames starts several). */
const ORDERINGS_PER_KEY = 4;

function orderedGroups(groups: readonly EntryGroup[]): OrderedGroups {
  const first = groups[0]!.entries;
  const last = groups[groups.length - 1]!.entries;
  const known = orderings.get(first);
  const hit = known?.find((o) => sameGroups(o.groups, groups));
  if (hit) return hit;
  const made: OrderedGroups = { groups, sorted: patchedFromAny([...(known ?? []), ...(orderings.get(last) ?? [])], groups) ?? sortedEntries(groups, true), remember: true };
  orderings.set(first, [made, ...(known ?? []).slice(0, ORDERINGS_PER_KEY - 1)]);
  if (last !== first) orderings.set(last, [made, ...(orderings.get(last) ?? []).slice(0, ORDERINGS_PER_KEY - 1)]);
  return made;
}

function sameGroups(a: readonly EntryGroup[], b: readonly EntryGroup[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!sameGroup(a[i]!, b[i]!)) return false;
  return true;
}

function sameGroup(a: EntryGroup, b: EntryGroup): boolean {
  return a.entries === b.entries && a.behind === b.behind;
}

/** The first of the `candidates` (the orderings kept under the same first or last route) that can be patched into `groups`'s. */
function patchedFromAny(candidates: readonly OrderedGroups[], groups: readonly EntryGroup[]): DecoratedEntry[] | undefined {
  for (const candidate of candidates) {
    const patched = patchedEntries(candidate, groups);
    if (patched) return patched;
  }
  return undefined;
}

/** Groups replaced beyond this many: sorting afresh costs about what patching would. */
const MAX_PATCHED_GROUPS = 8;

/**
 * `groups` in precedence order, made from an ordering of groups that differ only at a few positions
 * (a one-route edit replaces that route's group): the old groups' entries are taken out and the new
 * ones merged in, O(n) rather than a sort of the whole hostname. The precedence order has no ties
 * between different entries (origin keys name the route, rule and match), so the result is the one
 * sortedEntries would make; should two entries tie, or an old group's entries also sit in a group
 * kept, there is no patching (undefined) and the caller sorts.
 */
function patchedEntries(previous: OrderedGroups, groups: readonly EntryGroup[]): DecoratedEntry[] | undefined {
  if (previous.groups.length !== groups.length) return undefined;
  const replaced: number[] = [];
  for (let i = 0; i < groups.length; i++) {
    if (sameGroup(previous.groups[i]!, groups[i]!)) continue;
    if (replaced.push(i) > MAX_PATCHED_GROUPS) return undefined;
  }
  const gone = new Set<RouteEntry>();
  let goneCount = 0;
  for (const i of replaced) {
    for (const entry of previous.groups[i]!.entries) gone.add(entry);
    goneCount += previous.groups[i]!.entries.length;
  }
  const kept = previous.sorted.filter((p) => !gone.has(p.entry));
  if (previous.sorted.length - kept.length !== goneCount) return undefined;
  const added = sortedEntries(replaced.map((i) => groups[i]!), true);
  const merged: DecoratedEntry[] = [];
  let k = 0;
  for (const a of added) {
    while (k < kept.length) {
      const order = comparePlaced(kept[k]!, a);
      if (order === 0) return undefined;
      if (order > 0) break;
      merged.push(kept[k++]!);
    }
    if (merged.length > 0 && comparePlaced(merged[merged.length - 1]!, a) === 0) return undefined;
    merged.push(a);
  }
  while (k < kept.length) merged.push(kept[k++]!);
  return merged;
}

/** An entry where one listener hostname places it, with its precedence keys (sortKeys). */
interface DecoratedEntry extends PlacedEntry {
  grpc: boolean | undefined;
  keys: EntryKeys;
}

/**
 * Precedence order: the route's own hostname, then matches, then age; each entry's keys looked up
 * once, not once per comparison. An entry placed twice (two parentRefs to one listener) keeps its
 * first, most specific, place.
 */
function sortedEntries(groups: readonly EntryGroup[], remember: boolean): DecoratedEntry[] {
  const decorated: DecoratedEntry[] = [];
  for (const { behind, entries } of groups) for (const entry of entries) decorated.push({ entry, behind, grpc: entry.grpc, keys: remember ? sortKeys(entry) : entryKeys(entry) });
  return decorated.sort(comparePlaced);
}

function comparePlaced(x: DecoratedEntry, y: DecoratedEntry): number {
  return (
    (x.behind === y.behind ? 0 : compareHostnameSpecificity(x.behind, y.behind)) ||
    (x.grpc && y.grpc ? compareKeys(x.keys.grpc, y.keys.grpc) : compareKeys(x.keys.http, y.keys.http)) ||
    compareKeys(x.keys.origin, y.keys.origin)
  );
}

/**
 * The comparisons of precedence.ts, computed once per entry as strings that sort the same way:
 * sorting a table of 20,000 entries compares hundreds of thousands of pairs, and entries live as long
 * as their route is unchanged (translation-cache.ts). precedence.test.ts checks the two agree.
 */
interface EntryKeys {
  http: string;
  grpc: string;
  origin: string;
}

const keys = new WeakMap<RouteEntry, EntryKeys>();

function sortKeys(entry: RouteEntry): EntryKeys {
  let k = keys.get(entry);
  if (!k) keys.set(entry, (k = entryKeys(entry)));
  return k;
}

/** Made afresh: a one-off translation sorts each entry once, so remembering its keys is only allocation. */
function entryKeys(entry: RouteEntry): EntryKeys {
  // The gRPC key orders two gRPC entries only (comparePlaced): an HTTP entry needs none.
  return { http: httpMatchKey(entry.ir.match), grpc: entry.grpc ? grpcMatchKey(entry.ir.match) : '', origin: originKey(entry.origin) };
}

function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
