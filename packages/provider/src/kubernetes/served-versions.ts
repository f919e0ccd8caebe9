/**
 * Which version of a CRD-installed kind the API server serves, by API discovery (what client-go's
 * RESTMapper does): `GET /apis/<group>/<version>` lists the resources served at that version, 404 when
 * none is. A cluster with older Gateway API CRDs serves e.g. TLSRoute only at v1alpha2 and
 * ReferenceGrant only at v1beta1; we read the most preferred version it has.
 *
 * Answers are shared for a short while, so the nine Gateway API kinds starting together cost one
 * request per group version, not nine.
 */
import { KubeApiError, type KubeApiClient } from './kube-api-client.js';
import type { WatchTarget } from './watch-targets.js';

export interface ServedVersions {
  /** The first of `target.versions` the API server serves the target's resource at, or undefined if none. */
  resolve(target: WatchTarget): Promise<string | undefined>;
}

interface ApiResourceList {
  resources?: { name?: string }[];
}

/** How long one discovery answer is reused. */
const DISCOVERY_TTL_MS = 1_000;

export function createServedVersions(client: KubeApiClient, now: () => number = () => performance.now()): ServedVersions {
  const cache = new Map<string, { at: number; resources: Promise<Set<string>> }>();

  /** The resource names served at `group/version`; empty when the group version is not served. Other failures throw. */
  function served(group: string, version: string): Promise<Set<string>> {
    const key = `${group}/${version}`;
    const hit = cache.get(key);
    if (hit && now() - hit.at < DISCOVERY_TTL_MS) return hit.resources;
    const resources = client.getJson<ApiResourceList>(`/apis/${group}/${version}`).then(
      (list) => new Set((list.resources ?? []).map((r) => r.name ?? '')),
      (err: unknown) => {
        if (err instanceof KubeApiError && err.statusCode === 404) return new Set<string>();
        cache.delete(key);
        throw err;
      },
    );
    cache.set(key, { at: now(), resources });
    return resources;
  }

  return {
    async resolve(target) {
      if (!target.custom) return target.versions[0];
      for (const version of target.versions) {
        if ((await served(target.group, version)).has(target.plural)) return version;
      }
      return undefined;
    },
  };
}
