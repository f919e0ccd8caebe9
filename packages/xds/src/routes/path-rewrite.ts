/**
 * Gateway API path modifiers (httproute_types.go HTTPPathModifier) as Envoy path rewrites, shared by
 * URLRewrite (RouteAction) and RequestRedirect (RedirectAction), which have the same fields.
 *
 * ReplacePrefixMatch works on whole path elements and ignores trailing slashes on both sides. With
 * P = the route's prefix and R = the replacement, both without trailing `/` (so `/` becomes ``),
 * a request path P + rest (rest is `` or starts with `/`) becomes R + rest, or `/` if that is empty:
 *
 *   /foo/bar  P=/foo  R=/xyz → /xyz/bar      /foo/bar  P=/foo  R=`` or / → /bar
 *   /foo      P=/foo  R=/xyz → /xyz          /foo/     P=/foo  R=`` or / → /
 *   /foo/     P=/foo  R=/xyz → /xyz/         /foo      P=/foo  R=`` or / → /
 *
 * Envoy's `prefix_rewrite` replaces exactly the characters the route matched (for
 * `path_separated_prefix`, the prefix itself), which gives R + rest when P and R are both non-empty.
 * It cannot express the other cases (it would produce `//bar` or `/xyzbar`, envoyproxy/envoy#26055),
 * so those use an anchored `regex_rewrite` instead, as Envoy Gateway does.
 */
import type { Proto3Json } from '@portico/envoy';
import type { PathModifierIR } from '@portico/ir';
import { normalizedPrefix } from './route-match.js';
import { escapeRegex, escapeSubstitution } from './route-regex.js';

/** `{ prefixRewrite }` or `{ regexRewrite }`; empty when the path stays as it is. */
export function prefixReplacement(matchPrefix: string, replacement: string): Proto3Json {
  const p = normalizedPrefix(matchPrefix);
  const r = normalizedPrefix(replacement);
  if (p === '' && r === '') return {};
  if (p !== '' && r !== '') return { prefixRewrite: r };
  if (p === '') {
    // Match-all prefix: every path gains R in front (`/bar` → R/bar, `/` → R/).
    return { regexRewrite: { pattern: { regex: '^/' }, substitution: `${escapeSubstitution(r)}/` } };
  }
  // Empty replacement: drop P and at most one following `/`, and start again from `/`.
  return { regexRewrite: { pattern: { regex: `^${escapeRegex(p)}/?` }, substitution: '/' } };
}

/**
 * ReplaceFullPath for a forwarded request: the whole path (Envoy's regex_rewrite never sees the
 * query string, which is kept) becomes the value.
 */
export function fullPathReplacement(value: string): Proto3Json {
  return { regexRewrite: { pattern: { regex: '^/.*$' }, substitution: escapeSubstitution(value) } };
}

/**
 * The rewrite fields of a path modifier, given the prefix the route matched (`undefined` when the
 * route's path match is a regex: ReplacePrefixMatch needs a prefix match, and the translator does not
 * accept the combination, so there is nothing to rewrite).
 */
export function routePathRewrite(modifier: PathModifierIR, matchPrefix: string | undefined): Proto3Json {
  if (modifier.type === 'ReplaceFullPath') return fullPathReplacement(modifier.value);
  return matchPrefix === undefined ? {} : prefixReplacement(matchPrefix, modifier.value);
}
