/**
 * Which version of a CRD-installed kind the API server serves, by API discovery (what client-go's
 * RESTMapper does): `GET /apis/<group>/<version>` lists the resources served at that version, 404 when
 * none is. A cluster with older Gateway API CRDs serves e.g. TLSRoute only at v1alpha2 and
 * ReferenceGrant only at v1beta1; we read the most preferred version it has.
 *
 * Answers are shared for a short while, so the nine Gateway API kinds starting together cost one
 * request per group version, not nine. A cached "not served here" may predate a CRD installed since:
 * before settling on a less preferred version, the more preferred ones are asked again, so a kind
 * whose CRD just appeared is read at its preferred version, not at whichever answer happened to be newer.
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

/** One discovery answer: the resource names, and when it arrived. */
interface Answer {
  resources: Set<string>;
  answeredAt: number;
}

export function createServedVersions(client: KubeApiClient, now: () => number = () => performance.now()): ServedVersions {
  const cache = new Map<string, { askedAt: number; answer: Promise<Answer> }>();

  /**
   * The resource names served at `group/version` (empty when the group version is not served; other
   * failures throw), from an answer asked for at or after `notAskedBefore` when given, else within the TTL.
   */
  function served(group: string, version: string, notAskedBefore?: number): Promise<Answer> {
    const key = `${group}/${version}`;
    const hit = cache.get(key);
    const usable = hit && (notAskedBefore === undefined ? now() - hit.askedAt < DISCOVERY_TTL_MS : hit.askedAt >= notAskedBefore);
    if (usable) return hit.answer;
    const answer = client.getJson<ApiResourceList>(`/apis/${group}/${version}`).then(
      (list) => ({ resources: new Set((list.resources ?? []).map((r) => r.name ?? '')), answeredAt: now() }),
      (err: unknown) => {
        if (err instanceof KubeApiError && err.statusCode === 404) return { resources: new Set<string>(), answeredAt: now() };
        cache.delete(key);
        throw err;
      },
    );
    cache.set(key, { askedAt: now(), answer });
    return answer;
  }

  return {
    async resolve(target) {
      if (!target.custom) return target.versions[0];
      for (const [i, version] of target.versions.entries()) {
        const found = await served(target.group, version);
        if (!found.resources.has(target.plural)) continue;
        // The "no" of a more preferred version may be older than this "yes": ask again (shared by kinds resolving together).
        for (const preferred of target.versions.slice(0, i)) {
          if ((await served(target.group, preferred, found.answeredAt)).resources.has(target.plural)) return preferred;
        }
        return version;
      }
      return undefined;
    },
  };
}
