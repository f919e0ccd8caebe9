/**
 * The in-memory, indexed set of watched objects that every provider fills and every translator reads.
 * Objects are stored per kind under `namespace/name` (or `name` for cluster-scoped kinds); input order
 * is kept so that output which lists inputs (e.g. `--to gateway-api`) follows the files.
 */
import { KINDS, type Kind, type KindMap } from '../model/kinds.js';
import { objectKey } from '../model/meta.js';

export class ResourceSet {
  private readonly byKind = new Map<Kind, Map<string, KindMap[Kind]>>();
  /** Kinds whose index is shared with a clone (or with the set this one was cloned from): copied on first write. */
  private readonly shared = new Set<Kind>();
  /** Per kind, an object replaced on every write to the kind and shared by clones (kindToken). */
  private tokens = new Map<Kind, object>();

  static from(objects: Iterable<KindMap[Kind]>): ResourceSet {
    const set = new ResourceSet();
    for (const o of objects) set.upsert(o);
    return set;
  }

  /**
   * A copy that costs O(kinds), not O(objects): both sets share each kind's index until one of them
   * writes to that kind, which then copies it first. A provider publishing a new set per change (the
   * previous one may still be in a reader's hands) pays only for the kinds that changed.
   */
  clone(): ResourceSet {
    const copy = new ResourceSet();
    copy.tokens = new Map(this.tokens);
    for (const [kind, bucket] of this.byKind) {
      copy.byKind.set(kind, bucket);
      copy.shared.add(kind);
      this.shared.add(kind);
    }
    return copy;
  }

  /** Adds or replaces an object; returns the previous one, if any. */
  upsert<K extends Kind>(obj: KindMap[K]): KindMap[K] | undefined {
    const kind = obj.kind as K;
    const key = this.keyOf(kind, obj.metadata.namespace, obj.metadata.name);
    const bucket = this.bucket(kind);
    const previous = bucket.get(key) as KindMap[K] | undefined;
    bucket.set(key, obj);
    return previous;
  }

  delete(kind: Kind, namespace: string | undefined, name: string): boolean {
    return this.bucket(kind).delete(this.keyOf(kind, namespace, name));
  }

  get<K extends Kind>(kind: K, namespace: string | undefined, name: string): KindMap[K] | undefined {
    return this.byKind.get(kind)?.get(this.keyOf(kind, namespace, name)) as KindMap[K] | undefined;
  }

  list<K extends Kind>(kind: K): KindMap[K][] {
    const bucket = this.byKind.get(kind);
    return bucket ? ([...bucket.values()] as KindMap[K][]) : [];
  }

  /** Objects of a kind in one namespace. */
  listIn<K extends Kind>(kind: K, namespace: string): KindMap[K][] {
    return this.list(kind).filter((o) => o.metadata.namespace === namespace);
  }

  /** Every object, kinds in declaration order, objects in insertion order. */
  *all(): IterableIterator<KindMap[Kind]> {
    for (const bucket of this.byKind.values()) yield* bucket.values();
  }

  /**
   * A token that stays the same object while the kind's objects do — across clones too, until either
   * set writes to the kind: a reader can tell "this kind did not change" in O(1). Different tokens say
   * nothing (compare the objects then). Every write makes a new token, so the test is always sound.
   */
  kindToken(kind: Kind): object {
    let token = this.tokens.get(kind);
    if (!token) this.tokens.set(kind, (token = {}));
    return token;
  }

  /** Objects per kind. */
  counts(): Map<Kind, number> {
    const counts = new Map<Kind, number>();
    for (const [kind, bucket] of this.byKind) counts.set(kind, bucket.size);
    return counts;
  }

  get size(): number {
    let n = 0;
    for (const bucket of this.byKind.values()) n += bucket.size;
    return n;
  }

  /** The kind's index, ready to be written: created if missing, copied if shared; the kind gets a new token. */
  private bucket(kind: Kind): Map<string, KindMap[Kind]> {
    this.tokens.set(kind, {});
    let bucket = this.byKind.get(kind);
    if (!bucket || this.shared.has(kind)) {
      bucket = new Map(bucket);
      this.byKind.set(kind, bucket);
      this.shared.delete(kind);
    }
    return bucket;
  }

  private keyOf(kind: Kind, namespace: string | undefined, name: string): string {
    return KINDS[kind].namespaced ? objectKey({ namespace: namespace ?? 'default', name }) : name;
  }
}
