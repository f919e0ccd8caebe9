/**
 * The names a wire-written resource references, as the consistency walk (snapshot/consistency.ts)
 * would find them in its JSON, made without that JSON.
 */
import type { ReferencedNames } from '../snapshot/consistency.js';

/** Shared by every kind without names; never added to (readers only iterate and count). */
const NO_NAMES: ReadonlySet<string> = new Set();

/** What an endpoint set references: nothing (the walk reads clusters, route tables and listeners only). */
export function noReferences(): ReferencedNames {
  return names();
}

/** What an EDS cluster without a `serviceName` references: its endpoint set, named like the cluster. */
export function edsClusterReferences(name: string): ReferencedNames {
  return names(new Set([name]));
}

function names(endpoints: ReadonlySet<string> = NO_NAMES): ReferencedNames {
  const none = NO_NAMES as Set<string>;
  return { routes: none, clusters: none, endpoints: endpoints as Set<string>, secrets: none, perFilterConfigs: none };
}
