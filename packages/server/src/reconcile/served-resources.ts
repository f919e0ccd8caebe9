/**
 * What each gateway serves, as EncodedResources (JSON and bytes), for the config dumps of /debug/xds
 * and the dashboard. Its own module, apart from publish-gateways.ts, because the translation worker
 * keeps one too and must not load what publishing needs (@portico/xds-server, and with it grpc-js):
 * every module a worker imports is paid again in its isolate.
 */
import type { EncodedResource, EncodedResources } from '@portico/xds';

/** Patches kept before they are merged into the full lists (merged on read, or when this many pile up). */
const MAX_PENDING_PATCHES = 64;

/**
 * The served EncodedResources per gateway. The endpoint fast path publishes only some clusters and
 * endpoint sets: they are kept as patches and merged by name when read, so that fast path stays O(changed).
 */
export function createServedResources() {
  const served = new Map<string, { encoded: EncodedResources; patches: EncodedResources[] }>();
  const merged = (entry: { encoded: EncodedResources; patches: EncodedResources[] }) => {
    if (entry.patches.length > 0) {
      entry.encoded = { ...entry.encoded, clusters: replaceByName(entry.encoded.clusters, entry.patches, 'clusters'), endpoints: replaceByName(entry.encoded.endpoints, entry.patches, 'endpoints') };
      entry.patches = [];
    }
    return entry.encoded;
  };
  return {
    set: (gateway: string, encoded: EncodedResources) => void served.set(gateway, { encoded, patches: [] }),
    patch(gateway: string, patch: EncodedResources) {
      const entry = served.get(gateway);
      if (!entry) return;
      entry.patches.push(patch);
      if (entry.patches.length > MAX_PENDING_PATCHES) merged(entry);
    },
    delete: (gateway: string) => void served.delete(gateway),
    all: () => new Map([...served].map(([gateway, entry]) => [gateway, merged(entry)])),
  };
}

function replaceByName(list: EncodedResource[], patches: EncodedResources[], kind: 'clusters' | 'endpoints'): EncodedResource[] {
  const replacements = new Map<string, EncodedResource>();
  for (const patch of patches) for (const resource of patch[kind]) replacements.set(resource.name, resource);
  return list.map((resource) => replacements.get(resource.name) ?? resource);
}
