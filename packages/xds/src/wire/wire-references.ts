/**
 * The names a wire-written cluster or endpoint set references, as the consistency walk
 * (snapshot/consistency.ts) would find them in its JSON, made without that JSON.
 */
import type { ReferencedNames } from '../resources.js';
import { addName, emptyNames } from '../snapshot/consistency.js';

/** What an endpoint set references: nothing (the walk reads clusters, route tables and listeners only). */
export function noReferences(): ReferencedNames {
  return emptyNames();
}

/** What an EDS cluster without a `serviceName` references: its endpoint set, named like the cluster. */
export function edsClusterReferences(name: string): ReferencedNames {
  const names = emptyNames();
  addName(names, 'endpoints', name);
  return names;
}
