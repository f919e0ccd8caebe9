/**
 * The outcome of loading: the objects, in input order, and the warnings. Loading several sources goes
 * through one collector, so an object defined twice (in one file or across files) is reported once.
 */
import type { LoadWarning } from './errors.js';
import { describeObject } from './errors.js';
import { KINDS, type Resource } from '../model/kinds.js';

/** What `parseResources` and `loadResources` return. */
export interface LoadResult {
  /** Validated, defaulted objects in input order (files in the order given, folders sorted by path). */
  objects: Resource[];
  /** Documents that were read but not loaded, and other things worth telling the user. */
  warnings: LoadWarning[];
}

/** Where a document came from: the file (or `<stdin>`) and its 1-based document index. */
export interface DocumentOrigin {
  source: string;
  document: number;
}

/** Gathers the objects and warnings of one load, across all its sources. */
export interface LoadCollector {
  add(object: Resource, origin: DocumentOrigin): void;
  warn(origin: DocumentOrigin, message: string): void;
  result(): LoadResult;
}

/**
 * A collector. When an object's kind/namespace/name was already loaded, the later one replaces the
 * earlier in place and a warning says so: that is the state `kubectl apply` of both would leave, and
 * what `ResourceSet.upsert` keeps.
 */
export function createLoadCollector(): LoadCollector {
  const objects: Resource[] = [];
  const warnings: LoadWarning[] = [];
  const seen = new Map<string, { index: number; origin: DocumentOrigin }>();
  const warn = (origin: DocumentOrigin, message: string) =>
    warnings.push({ source: origin.source, document: origin.document, message });
  return {
    add(object, { source, document }) {
      // Copy only what is needed: the caller's context may hold the whole parsed YAML document.
      const origin = { source, document };
      const { namespace, name } = object.metadata;
      const ns = KINDS[object.kind].namespaced ? namespace : undefined;
      const key = describeObject(object.kind, ns, name);
      const earlier = seen.get(key);
      if (earlier) {
        objects[earlier.index] = object;
        seen.set(key, { index: earlier.index, origin });
        const where = `${earlier.origin.source} document ${earlier.origin.document}`;
        warn(origin, `${key} is also defined in ${where}; the later definition wins`);
        return;
      }
      seen.set(key, { index: objects.length, origin });
      objects.push(object);
    },
    warn,
    result: () => ({ objects, warnings }),
  };
}
