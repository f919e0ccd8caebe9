/**
 * Envoy's path rewrites, shared by redirects (RedirectAction) and forwarded requests (RouteAction):
 * `prefix_rewrite` replaces the part of the path the route matched (the prefix of a prefix or
 * path_separated_prefix route, the whole path of a `path` route); `regex_rewrite` runs RE2's
 * GlobalReplace on the path without its query string, which is kept.
 */
import { createRequire } from 'node:module';
import { pathOnly } from './request.js';
import type { Json } from './xds-view.js';

interface RE2Replacer {
  replace(text: string, replacement: string): string;
}
type RE2Constructor = new (pattern: string, flags?: string) => RE2Replacer;
let loaded: RE2Constructor | undefined;
const re2 = (): RE2Constructor => (loaded ??= createRequire(import.meta.url)('re2') as RE2Constructor);

/** The path (query included) after the rewrite fields of `action`, for a request that matched `match`. */
export function rewrittenPath(action: Json, match: Json, path: string): string {
  if (typeof action.prefixRewrite === 'string') {
    const matched = matchedLength(match, path);
    if (matched !== undefined) return `${action.prefixRewrite}${path.slice(matched)}`;
  }
  const regexRewrite = action.regexRewrite as Json | undefined;
  const pattern = (regexRewrite?.pattern as Json | undefined)?.regex;
  if (typeof pattern === 'string') {
    const noQuery = pathOnly(path);
    const query = path.slice(noQuery.length);
    return `${globalReplace(pattern, String(regexRewrite!.substitution ?? ''), noQuery)}${query}`;
  }
  return path;
}

function matchedLength(match: Json, path: string): number | undefined {
  if (typeof match.prefix === 'string') return match.prefix.length;
  if (typeof match.pathSeparatedPrefix === 'string') return match.pathSeparatedPrefix.length;
  if (typeof match.path === 'string') return pathOnly(path).length;
  return undefined;
}

/** RE2::GlobalReplace, its `\N` / `\\` substitution syntax turned into JavaScript's `$N` / `\`. */
export function globalReplace(pattern: string, substitution: string, text: string): string {
  let replacement = '';
  for (let i = 0; i < substitution.length; i++) {
    const c = substitution[i]!;
    if (c === '\\' && i + 1 < substitution.length) {
      const next = substitution[++i]!;
      replacement += /[0-9]/.test(next) ? `$${next}` : next;
    } else replacement += c === '$' ? '$$' : c;
  }
  try {
    return new (re2())(pattern, 'g').replace(text, replacement);
  } catch {
    return text;
  }
}
