/**
 * `permanent-redirect` (+ `permanent-redirect-code`, default 301), `temporal-redirect` (302) and
 * `app-root` (ingress-nginx docs, "Permanent Redirect", "Temporal Redirect", "App Root"):
 * - A permanent or temporal redirect answers EVERY path of the Ingress with `return <code> <URL>`: the
 *   URL as written, the request's query string is not appended. When both are set, ingress-nginx's
 *   redirect parser takes the temporal one (reported).
 * - `app-root` redirects (302) only a request for exactly `/` to the given path, on every host of the
 *   Ingress; other paths are routed as usual.
 */
import type { RedirectIR } from '@portico/ir';
import type { AnnotationFamily, IngressAnnotations } from '../ingress-annotations.js';
import type { AnnotationValue } from '../annotation-values.js';

const PERMANENT_CODES = new Set([301, 302, 303, 307, 308]);

export const redirectFamily: AnnotationFamily = {
  names: ['permanent-redirect', 'permanent-redirect-code', 'temporal-redirect', 'app-root'],
  parse(values, out, report) {
    const temporal = values.get('temporal-redirect');
    const permanent = values.get('permanent-redirect');
    const code = values.get('permanent-redirect-code');
    let statusCode = 301;
    if (code) {
      const n = /^[0-9]+$/.test(code.value) ? Number(code.value) : NaN;
      if (PERMANENT_CODES.has(n)) statusCode = n;
      else report(code, 'is not one of 301, 302, 303, 307, 308: 301 is used, as ingress-nginx does');
      if (!permanent) report(code, 'has no effect without permanent-redirect');
    }
    if (temporal && permanent) report(permanent, 'is overridden by temporal-redirect (as in ingress-nginx)');
    const chosen = temporal ? { v: temporal, statusCode: 302 } : permanent ? { v: permanent, statusCode } : undefined;
    if (chosen && chosen.v.value !== '') setRedirect(out, chosen.v, chosen.statusCode, report);

    const appRoot = values.get('app-root');
    if (appRoot) {
      if (/^\/[^\s?#]*$/.test(appRoot.value) && appRoot.value !== '/') out.appRoot = appRoot.value;
      else report(appRoot, 'must be a path starting with "/" (other than "/"), without query or fragment: no redirect of "/"');
    }
  },
};

function setRedirect(out: IngressAnnotations, v: AnnotationValue, statusCode: number, report: Parameters<typeof redirectFamily.parse>[2]): void {
  const redirect = redirectTo(v.value, statusCode);
  if (typeof redirect === 'string') report(v, `${redirect}: the Ingress's paths answer 500 rather than be served where the redirect was meant to send clients`, { status: 500 });
  else out.redirect = redirect;
}

/** An absolute http(s) URL as a redirect; the problem as a string otherwise. */
export function redirectTo(url: string, statusCode: number): (RedirectIR & { stripQuery: true }) | string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'is not an absolute URL';
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return 'must be an http or https URL';
  if (parsed.username || parsed.password || parsed.hash || parsed.search) return 'must not carry credentials, a query or a fragment';
  const scheme = parsed.protocol === 'https:' ? 'https' : 'http';
  return {
    scheme,
    hostname: parsed.hostname,
    ...(parsed.port ? { port: Number(parsed.port) } : {}),
    path: { type: 'ReplaceFullPath', value: parsed.pathname },
    statusCode,
    stripQuery: true,
  };
}
