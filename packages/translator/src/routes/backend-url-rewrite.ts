/**
 * HTTPRouteBackendURLRewrite: a URLRewrite filter on an HTTPRoute backendRef applies only to the
 * requests sent to that backend (httproute_types.go HTTPBackendRef.Filters: "executed if and only if
 * the request is being forwarded to the backend defined here").
 *
 * Envoy picks a rule's backend among its weighted_clusters, and a ClusterWeight carries its own
 * host_rewrite_literal but no path rewrite: prefix_rewrite, regex_rewrite and path_rewrite_policy
 * exist only on the RouteAction (route_components.proto WeightedCluster.ClusterWeight). So:
 * - hostname: per backend, always (WeightedBackendIR.rewriteHostname, a ClusterWeight
 *   host_rewrite_literal). Next to the rule's own URLRewrite hostname, the backendRef's wins: its
 *   filters run after the rule's.
 * - path: served when every backendRef that carries traffic asks for the same rewrite (one backend,
 *   as in the conformance test, or several that agree): rewriting the route's path then rewrites
 *   exactly the requests sent to them. When they disagree, no route-level rewrite is right for all of
 *   them, so each backendRef with a path rewrite fails closed (its share answers 500, http-filters.ts
 *   says why a filter is never skipped) and the others keep serving, unrewritten. (Envoy Gateway
 *   refuses backendRef path rewrites altogether, envoyproxy/gateway#9131.)
 * - a backendRef path rewrite next to the rule's own URLRewrite path: the two would apply one after
 *   the other, and the second's ReplacePrefixMatch no longer finds the matched prefix; Envoy rewrites
 *   a path once. Unless the two are identical, the backendRef fails closed (IncompatibleFilters).
 * - ReplacePrefixMatch needs PathPrefix matches (HTTPPathModifier), as on the rule.
 * Backend references are resolved later (destinations.ts), so an unresolvable backendRef with weight
 * still counts as carrying traffic here.
 */
import type { PathModifierIR } from '@portico/ir';
import type { BackendRefWithModifiers } from '../backends/destinations.js';

export interface SettledBackendRewrites {
  refs: BackendRefWithModifiers[];
  /** The path rewrite shared by every backendRef carrying traffic: the route's own. */
  path?: PathModifierIR;
}

export function settleBackendURLRewrites(
  refs: readonly BackendRefWithModifiers[],
  rulePath: PathModifierIR | undefined,
  /** The rule's path match types (`PathPrefix` for a match without a path). */
  matchTypes: readonly string[],
): SettledBackendRewrites {
  const out = refs.map((ref) => ({ ...ref }));
  out.forEach((ref, index) => {
    const path = ref.urlRewrite?.path;
    if (!path || ref.unservableFilter) return;
    const what = `backendRef ${index} (${ref.name})`;
    if (path.type === 'ReplacePrefixMatch' && matchTypes.some((t) => t !== 'PathPrefix')) {
      ref.unservableFilter = { reason: 'UnsupportedValue', message: `${what}: URLRewrite ReplacePrefixMatch needs a PathPrefix match` };
    } else if (rulePath && pathKey(rulePath) !== pathKey(path)) {
      ref.unservableFilter = { reason: 'IncompatibleFilters', message: `${what}: a URLRewrite path cannot be combined with the rule's own URLRewrite path` };
    }
  });
  const carrying = out.filter((ref) => !ref.unservableFilter && (ref.weight ?? 1) > 0);
  const paths = new Set(carrying.map((ref) => pathKey(ref.urlRewrite?.path)));
  if (paths.size > 1) {
    out.forEach((ref, index) => {
      if (!carrying.includes(ref) || !ref.urlRewrite?.path) return;
      ref.unservableFilter = {
        reason: 'UnsupportedValue',
        message: `backendRef ${index} (${ref.name}): a URLRewrite path must be the same on every backendRef of the rule that carries traffic (Envoy rewrites the path per route, not per backend)`,
      };
    });
    return { refs: out };
  }
  const shared = carrying[0]?.urlRewrite?.path;
  return shared ? { refs: out, path: shared } : { refs: out };
}

function pathKey(path: PathModifierIR | undefined): string {
  return path ? `${path.type}:${path.value}` : '';
}
