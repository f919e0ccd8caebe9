/**
 * The contract every source of resources (the file provider now, the Kubernetes provider later)
 * offers the server: the current ResourceSet, a change notification, and the health of each source.
 */
import type { Kind, KubeObject, ResourceSet } from '@portico/resources';

/** One object added, changed or removed since the previous snapshot. */
export interface ObjectChange {
  kind: Kind;
  /** Absent for cluster-scoped kinds. */
  namespace?: string;
  name: string;
  type: 'upsert' | 'delete';
}

/** One consistent view of everything a provider watches. */
export interface ProviderSnapshot {
  /** Increases with every change the provider publishes. */
  generation: number;
  resources: ResourceSet;
  /** The same objects in input order (files sorted by path, documents in file order). */
  objects: KubeObject[];
  /**
   * What changed since the previous published snapshot, so the server can re-translate only what a
   * change touches (an EndpointSlice change goes straight to EDS). Absent on the first snapshot and
   * whenever the provider cannot tell: then everything may have changed. Unchanged objects keep their
   * identity in `resources` from one snapshot to the next.
   */
  changes?: ObjectChange[];
  /**
   * When the provider heard of the first change this snapshot carries (the first notification of its
   * debounce burst), in milliseconds on the provider's clock (`performance.now()` unless a test gives
   * another): where the server's convergence time starts. Absent on the first snapshot.
   */
  changedAt?: number;
}

/** The health of one source (a file, for the file provider). */
export interface SourceStatus {
  /** File path (relative to the watched folder) or another source name. */
  source: string;
  state: 'ok' | 'error';
  /** Objects currently served from this source (the last good version when `state` is error). */
  objects: number;
  /** The load error (file, document, field), when the last read failed. */
  error?: string;
  /** Warnings of the last read (skipped unknown kinds, duplicates). */
  warnings: string[];
  /** ISO time of the last successful read. */
  lastGoodAt?: string;
  lastErrorAt?: string;
  /**
   * `state-dir`: the objects served are the last good ones saved in the state directory before a
   * restart (the file has not loaded since); `lastGoodAt` is when they were saved.
   */
  servedFrom?: 'state-dir';
  /**
   * The file now holds fewer objects (e.g. it was emptied, or is being rewritten); the previous ones
   * are served until it has stayed that way for the settle delay.
   */
  settling?: { objects: number; since: string };
}

export interface ResourceProvider {
  /** Reads everything once and starts watching; resolves once the first snapshot is available. */
  start(): Promise<ProviderSnapshot>;
  stop(): Promise<void>;
  current(): ProviderSnapshot;
  /** Called after each published change (debounced); returns the unsubscribe function. */
  onChange(listener: (snapshot: ProviderSnapshot) => void): () => void;
  sources(): SourceStatus[];
}
