/**
 * One HTTPIngressPath's match, and ingress-nginx `rewrite-target`, as an HTTPRoute path match and
 * URLRewrite filter. The match is the one the Ingress translator serves (ingress-routes.ts
 * annotatedPathMatch): Exact stays Exact, Prefix / ImplementationSpecific become PathPrefix (trailing
 * `/` dropped), and under `use-regex` / `rewrite-target` every non-Exact path is the same
 * case-insensitive RegularExpression `(?i)^(?:<path>).*` (Portico's HTTPRoute regex is a full match,
 * RE2), so both are served by the same Envoy match.
 *
 * nginx's rewrite replaces the WHOLE path with the target, its `$N` naming the path's capture groups.
 * Gateway API has no regex rewrite:
 * - a target without `$N` is exactly `ReplaceFullPath` (the regex match is kept);
 * - the two idioms of the ingress-nginx docs, `/p(/|$)(.*)` → `/$2` and `/p/(.*)` → `/$1` (strip a
 *   literal prefix), become PathPrefix `/p` + `ReplacePrefixMatch: /`: partial, as the match is then
 *   case-sensitive and `/p/(.*)` also takes `/p` itself;
 * - any other target cannot be expressed: the path is matched as before and passed on unchanged.
 */
import type { HTTPPathMatch, HTTPURLRewriteFilter } from '@portico/resources';
import { escapeRegex } from '@portico/ir';
import { regexPathMatch } from '../ingress/annotations/routing/rewrite.js';
import type { IngressAnnotations } from '../ingress/annotations/ingress-annotations.js';
import { ingressPathMatch, type IngressPathMatch } from '../ingress/ingress-precedence.js';

export interface ConvertedPath {
  /** The match as the Ingress translator orders it (ingress-precedence.ts). */
  ingressMatch: IngressPathMatch;
  match: HTTPPathMatch;
  /** The path's regex is refused by RE2: the Ingress answers 500 there. */
  problem?: string;
}

export function convertedPathMatch(pathType: string, path: string | undefined, annotations: IngressAnnotations): ConvertedPath {
  if (!annotations.regexPaths || pathType === 'Exact') {
    const ingressMatch = ingressPathMatch(pathType, path);
    return { ingressMatch, match: { type: ingressMatch.type as 'Exact' | 'PathPrefix', value: ingressMatch.value } };
  }
  const source = path ?? '/';
  const { regex, problem } = regexPathMatch(source);
  const value = problem ? regexPathMatch(escapeRegex(source)).regex : regex;
  return { ingressMatch: { type: 'RegularExpression', value, source }, match: { type: 'RegularExpression', value }, ...(problem ? { problem } : {}) };
}

export type ConvertedRewrite =
  | { kind: 'exact'; filter: HTTPURLRewriteFilter }
  | { kind: 'partial'; filter: HTTPURLRewriteFilter; match: HTTPPathMatch; message: string }
  | { kind: 'unsupported'; message: string };

const LITERAL_PATH = /^\/[A-Za-z0-9._~\-/]*$/;

/** `rewrite-target` for one regex-mode (or Exact) path written `path`. */
export function convertedRewrite(path: string, target: string): ConvertedRewrite {
  if (!/\$[0-9]/.test(target)) return { kind: 'exact', filter: { path: { type: 'ReplaceFullPath', replaceFullPath: target } } };
  const strip = strippedPrefix(path, target);
  if (strip) {
    return {
      kind: 'partial',
      filter: { path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/' } },
      match: { type: 'PathPrefix', value: strip },
      message: `${JSON.stringify(path)} → ${JSON.stringify(target)} strips the prefix ${strip}: converted to PathPrefix ${strip} with ReplacePrefixMatch "/" (Gateway API has no regex rewrite); the match becomes case-sensitive${path.endsWith('/(.*)') ? ` and also takes ${strip} itself` : ''}`,
    };
  }
  return { kind: 'unsupported', message: `${JSON.stringify(path)} → ${JSON.stringify(target)} uses capture groups Gateway API cannot express (no regex rewrite): the path is matched as before and passed on unchanged` };
}

/** The literal prefix of `/p(/|$)(.*)` with `/$2`, or of `/p/(.*)` with `/$1`. */
function strippedPrefix(path: string, target: string): string | undefined {
  for (const [suffix, group] of [['(/|$)(.*)', '/$2'], ['/(.*)', '/$1']] as const) {
    if (!path.endsWith(suffix) || target !== group) continue;
    const prefix = path.slice(0, -suffix.length);
    if (prefix.length > 1 && LITERAL_PATH.test(prefix) && !prefix.endsWith('/')) return prefix;
  }
  return undefined;
}
