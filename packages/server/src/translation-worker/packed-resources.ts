/**
 * A gateway's encoded resources in a form that crosses threads without copies: every list's names
 * and versions, and the bytes of only the resources whose version the receiver does not have yet,
 * packed into one ArrayBuffer (transferred). The worker's own bytes stay where they are: its encode
 * cache reuses them for the next build, so they cannot be transferred themselves.
 */
import type { EncodedResource, EncodedResources, ResourceListKey } from '@portico/xds';

export const RESOURCE_LISTS: readonly ResourceListKey[] = ['listeners', 'routes', 'clusters', 'endpoints', 'secrets'];

export interface PackedList {
  /** The very list sent last time for this gateway (the builder handed it back unchanged): nothing else is filled. */
  same?: true;
  names: string[];
  versions: string[];
  /** Per resource, its bytes' offset in `buffer`, or -1: the receiver has this name at this version. */
  offsets: number[];
  lengths: number[];
}

export interface PackedResources {
  lists: Record<ResourceListKey, PackedList>;
  namedOnly: string[];
  buffer: ArrayBuffer;
}

/** What the receiver already holds per list: name → version, and the encoded list it was packed from. */
export type SentVersions = Record<ResourceListKey, { versions: Map<string, string>; list?: readonly EncodedResource[] }>;

export function emptySentVersions(): SentVersions {
  return { listeners: { versions: new Map() }, routes: { versions: new Map() }, clusters: { versions: new Map() }, endpoints: { versions: new Map() }, secrets: { versions: new Map() } };
}

/** Packs `encoded`, leaving out the bytes `sent` says the receiver has; updates `sent`. */
export function packResources(encoded: EncodedResources, sent: SentVersions): PackedResources {
  let total = 0;
  for (const kind of RESOURCE_LISTS) {
    if (sent[kind].list === encoded[kind]) continue;
    for (const r of encoded[kind]) if (sent[kind].versions.get(r.name) !== r.version) total += r.bytes.byteLength;
  }
  const buffer = new ArrayBuffer(total);
  const into = new Uint8Array(buffer);
  let at = 0;
  const lists = {} as Record<ResourceListKey, PackedList>;
  for (const kind of RESOURCE_LISTS) {
    // An unchanged list (encodeResources hands the same array back for a list the builder reused) costs nothing.
    if (sent[kind].list === encoded[kind]) {
      lists[kind] = { same: true, names: [], versions: [], offsets: [], lengths: [] };
      continue;
    }
    const list: PackedList = { names: [], versions: [], offsets: [], lengths: [] };
    const next = new Map<string, string>();
    for (const r of encoded[kind]) {
      list.names.push(r.name);
      list.versions.push(r.version);
      next.set(r.name, r.version);
      if (sent[kind].versions.get(r.name) === r.version) {
        list.offsets.push(-1);
        list.lengths.push(0);
        continue;
      }
      into.set(r.bytes, at);
      list.offsets.push(at);
      list.lengths.push(r.bytes.byteLength);
      at += r.bytes.byteLength;
    }
    sent[kind] = { versions: next, list: encoded[kind] };
    lists[kind] = list;
  }
  return { lists, namedOnly: [...(encoded.namedOnly ?? [])], buffer };
}

/** One resource as the receiver gets it: `bytes` undefined when it already holds that name at that version. */
export interface UnpackedResource {
  name: string;
  version: string;
  bytes: Uint8Array | undefined;
}

/** Views into the packed buffer (no copy). Not for a `same` list: the receiver keeps its previous one. */
export function unpackList(packed: PackedResources, kind: ResourceListKey): UnpackedResource[] {
  return packed.lists[kind].names.map((_, i) => unpackResource(packed, kind, i));
}

/** The `i`th resource of a list: its bytes a view into the packed buffer (no copy). */
export function unpackResource(packed: PackedResources, kind: ResourceListKey, i: number): UnpackedResource {
  const list = packed.lists[kind];
  return { name: list.names[i]!, version: list.versions[i]!, bytes: list.offsets[i]! < 0 ? undefined : new Uint8Array(packed.buffer, list.offsets[i]!, list.lengths[i]!) };
}

/**
 * Packs the resources of a backends-only build (clusters and endpoint sets of some backends): only
 * those whose version the receiver does not hold, to replace by name; every other list is `same`.
 */
export function packPatch(encoded: EncodedResources, sent: SentVersions): PackedResources {
  const changed = (kind: ResourceListKey) => encoded[kind].filter((r) => sent[kind].versions.get(r.name) !== r.version);
  const patches = { clusters: changed('clusters'), endpoints: changed('endpoints') };
  const buffer = new ArrayBuffer([...patches.clusters, ...patches.endpoints].reduce((n, r) => n + r.bytes.byteLength, 0));
  const into = new Uint8Array(buffer);
  let at = 0;
  const same: PackedList = { same: true, names: [], versions: [], offsets: [], lengths: [] };
  const lists: Record<ResourceListKey, PackedList> = { listeners: same, routes: same, secrets: same, clusters: same, endpoints: same };
  for (const kind of ['clusters', 'endpoints'] as const) {
    const list: PackedList = { names: [], versions: [], offsets: [], lengths: [] };
    for (const r of patches[kind]) {
      list.names.push(r.name);
      list.versions.push(r.version);
      list.offsets.push(at);
      list.lengths.push(r.bytes.byteLength);
      into.set(r.bytes, at);
      at += r.bytes.byteLength;
      sent[kind].versions.set(r.name, r.version);
    }
    // The receiver's list is no longer one the worker built whole: the next full build sends its names.
    sent[kind] = { versions: sent[kind].versions };
    lists[kind] = list;
  }
  return { lists, namedOnly: [], buffer };
}
