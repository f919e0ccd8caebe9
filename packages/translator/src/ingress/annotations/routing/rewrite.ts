/**
 * `rewrite-target` and `use-regex` (ingress-nginx docs, "Rewrite" and "Ingress Path Matching"):
 * - `use-regex: "true"` makes the Ingress's paths case-insensitive regular expressions anchored at the
 *   start only (nginx `location ~* "^<path>"`), so `/foo` also matches `/foobar`.
 * - `rewrite-target` implies it (the docs: "the case insensitive regular expression location modifier
 *   will be enforced"), and becomes nginx `rewrite "(?i)<path>" <target> break;`: nginx's rewrite
 *   replaces the WHOLE URI (not only the part matched) with the target, in which `$1`… name the path's
 *   capture groups; the query string is kept. Hence `/something(/|$)(.*)` with `/$2` sends
 *   `/something/new?q=1` as `/new?q=1`, and a target without groups (`/`) replaces every path with it.
 * In Envoy: the path match is `safe_regex` (a full match, hence the trailing `.*`), the rewrite a
 * `regex_rewrite` over the path without its query, anchored and consuming the whole path.
 * Not reproduced: ingress-nginx enforces regex on every Ingress of the same host as soon as one uses
 * rewrite-target; here it applies to the Ingress that asks for it.
 */
import { re2Problem } from '@portico/ir';
import { parseBool } from '../annotation-values.js';
import type { AnnotationFamily } from '../ingress-annotations.js';

const FAIL_500 = { status: 500 };

export const rewriteFamily: AnnotationFamily = {
  names: ['rewrite-target', 'use-regex'],
  parse(values, out, report) {
    const useRegex = values.get('use-regex');
    if (useRegex) {
      const enabled = parseBool(useRegex.value);
      if (enabled === undefined) report(useRegex, 'is not a boolean ("true" or "false"): paths are matched as prefixes, as without it');
      else out.regexPaths = enabled;
    }
    const target = values.get('rewrite-target');
    if (!target || target.value === '') return;
    const substitution = rewriteSubstitution(target.value, 9);
    if (typeof substitution !== 'string') {
      report(target, `${substitution.problem}: the Ingress's paths answer 500 rather than reach the backend with a path it did not ask for`, FAIL_500);
      return;
    }
    out.rewriteTarget = target.value;
    out.regexPaths = true;
  },
};

/**
 * nginx's `$N` group references (one digit, as nginx reads them) as RE2 `\N`; a literal `\` doubled.
 * A group the path does not have (N > `groups`) is empty in nginx, so it is left out (RE2 would
 * refuse the whole rewrite). Other nginx variables are refused.
 */
export function rewriteSubstitution(target: string, groups: number): string | { problem: string } {
  if (!target.startsWith('/')) return { problem: 'must be a path starting with "/" (a URL target turns the rewrite into a redirect in nginx, which is not supported)' };
  let out = '';
  for (let i = 0; i < target.length; i++) {
    const c = target[i]!;
    if (c === '\\') out += '\\\\';
    else if (c !== '$') out += c;
    else if (/[0-9]/.test(target[i + 1] ?? '')) {
      const group = Number(target[++i]);
      if (group <= groups) out += `\\${group}`;
    }
    else return { problem: `uses an nginx variable at "${target.slice(i)}": only capture groups ($1 … $9) are supported` };
  }
  return out;
}

/** The Envoy regex a regex-mode Ingress path matches a whole request path with, and why RE2 refuses the path if it does. */
export function regexPathMatch(path: string): { regex: string; problem?: string } {
  const problem = re2Problem(path);
  return { regex: `(?i)^(?:${path}).*`, ...(problem ? { problem } : {}) };
}
