/**
 * All files' good objects → the one list a snapshot serves, and a fingerprint that says whether that list
 * changed since the last publish without comparing objects.
 */
import { KINDS, type Resource } from '@portico/resources';
import type { FileSource } from './file-source.js';

/** The objects of every file, in path order, with duplicates resolved. */
export interface MergedObjects {
  objects: Resource[];
  /** Per file path: the objects it redefines (its later definition wins). */
  duplicates: Map<string, string[]>;
}

/**
 * Concatenates the good objects of `sources` (already in path order). An object (kind, namespace, name)
 * defined in two files keeps its first position and takes the later definition, as `loadResources` does
 * for a folder and as `kubectl apply -f DIR` would leave it; the later file gets a warning.
 */
export function mergeSources(sources: readonly FileSource[]): MergedObjects {
  const objects: Resource[] = [];
  const duplicates = new Map<string, string[]>();
  const seen = new Map<string, { index: number; path: string }>();
  for (const source of sources) {
    for (const object of source.good?.objects ?? []) {
      const key = describe(object);
      const earlier = seen.get(key);
      if (!earlier) {
        seen.set(key, { index: objects.length, path: source.path });
        objects.push(object);
        continue;
      }
      objects[earlier.index] = object;
      seen.set(key, { index: earlier.index, path: source.path });
      // Within one file the loader has already warned; across files only the merge can.
      if (earlier.path !== source.path) {
        const list = duplicates.get(source.path) ?? [];
        list.push(`${key} is also defined in ${earlier.path}; the later definition wins`);
        duplicates.set(source.path, list);
      }
    }
  }
  return { objects, duplicates };
}

/**
 * Identifies the served objects: the path and objects hash of each file that serves objects. A file whose
 * last edit failed contributes its last good hash, so a broken edit does not change the fingerprint; an
 * empty file contributes nothing, so adding one publishes nothing.
 */
export function fingerprintSources(sources: readonly FileSource[]): string {
  const parts: string[] = [];
  for (const s of sources) if (s.good && s.good.objects.length > 0) parts.push(`${s.path}\0${s.good.objectsHash}`);
  return parts.join('\n');
}

/** `Kind namespace/name`, or `Kind name` for cluster-scoped kinds, as the loader's messages name objects. */
function describe(object: Resource): string {
  const { namespace, name } = object.metadata;
  return KINDS[object.kind].namespaced && namespace ? `${object.kind} ${namespace}/${name}` : `${object.kind} ${name}`;
}
