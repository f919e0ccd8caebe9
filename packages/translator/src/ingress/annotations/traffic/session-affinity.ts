/**
 * `affinity: cookie` and its `session-cookie-*` settings (ingress-nginx docs, "Session Affinity" and
 * the "Sticky sessions" example):
 *   "affinity: Type of the affinity, set this to cookie to enable session affinity (NGINX only
 *   supports cookie)"; "session-cookie-name: Name of the cookie that will be created (defaults to
 *   INGRESSCOOKIE)"; "session-cookie-path: Path that will be set on the cookie (required if your
 *   Ingress paths use regular expressions) (defaults to the currently matched path)";
 *   "session-cookie-max-age: Time until the cookie expires, corresponds to the Max-Age cookie
 *   directive"; "session-cookie-expires: Legacy version of the previous annotation for compatibility
 *   with older browsers, generates an Expires cookie directive by adding the seconds to the current
 *   date"; "affinity-mode: balanced (default) or persistent"; "session-cookie-change-on-failure:
 *   When set to false nginx ingress will send request to upstream pointed by sticky cookie even if
 *   previous attempt failed. When set to true and previous attempt failed, sticky cookie will be
 *   changed to point to another upstream."
 * Portico maps it onto the session persistence an HTTPRoute rule's `sessionPersistence` gives (the
 * same IR): Envoy's stateful_session filter with a cookie naming the endpoint chosen by the load
 * balancer, HttpOnly like nginx's, Path as above, Max-Age = max-age (else expires) seconds, a session
 * cookie without either. Not strict: when the cookie's endpoint is gone or unhealthy Envoy picks
 * another and sets a new cookie. Deviations, each reported when the annotation says otherwise:
 * - `affinity-mode: balanced` (nginx's default) would move some sessions when the Service scales; a
 *   cookie naming an endpoint keeps every session where it is (`persistent`);
 * - `session-cookie-change-on-failure: true`: the cookie changes only when its endpoint is gone or
 *   unhealthy, not after one failed attempt;
 * - `session-cookie-samesite`, `-secure`, `-domain`: the stateful session cookie's API (Path, TTL)
 *   has no attributes for them, so the cookie carries none;
 * - regular-expression paths without session-cookie-path: the cookie's Path is `/` (nginx would
 *   write the regex itself, which the docs call out as needing the annotation).
 * Canary Ingresses: ingress-nginx's default `affinity-canary-behavior: sticky` keeps a client on the
 * canary it landed on; Portico ignores a canary's annotations (registry.ts, with this file's note),
 * and the main Ingress's affinity applies to the main Service's endpoints. On a path split by
 * canary-weight Envoy picks the Service first and the cookie's endpoint only within it: the cookie
 * keeps its endpoint while the weighted pick lands on the same Service (README).
 */
import type { AnnotationFamily } from '../ingress-annotations.js';
import { parseBool } from '../annotation-values.js';

export const DEFAULT_SESSION_COOKIE = 'INGRESSCOOKIE';
/** RFC 6265 cookie-name: an RFC 9110 token (what Gateway API's cookie.name accepts too). */
const COOKIE_NAME = /^[A-Za-z0-9!#$%&'*+\-.^_`|~]{1,256}$/;
const SECONDS = /^[0-9]{1,9}$/;
const UNSUPPORTED_ATTRIBUTES = ['session-cookie-samesite', 'session-cookie-secure', 'session-cookie-domain', 'session-cookie-conditional-samesite-none'];

/** What a canary Ingress's session annotations are told (registry.ts reports them as ignored). */
export const CANARY_AFFINITY_NOTE = 'is ignored on a canary Ingress: ingress-nginx\'s default affinity-canary-behavior (sticky) keeps a client on the canary it landed on, which Portico does not do; the main Ingress\'s affinity applies (ingress-nginx\'s `legacy` behaviour)';
export const SESSION_AFFINITY_NAMES = ['affinity', 'affinity-mode', 'affinity-canary-behavior', 'session-cookie-name', 'session-cookie-path', 'session-cookie-max-age', 'session-cookie-expires', 'session-cookie-change-on-failure', ...UNSUPPORTED_ATTRIBUTES];

export interface SessionAffinity {
  cookieName: string;
  /** session-cookie-path; absent: the matched path (`/` for regular-expression paths). */
  path?: string;
  /** Max-Age (max-age, else expires); absent: a session cookie. */
  ttlSeconds?: number;
}

export const sessionAffinityFamily: AnnotationFamily = {
  names: SESSION_AFFINITY_NAMES,
  parse(values, out, report) {
    // A canary's are reported by registry.ts (CANARY_AFFINITY_NOTE).
    if (out.canary) return;
    const affinity = values.get('affinity');
    if (!affinity) {
      for (const name of SESSION_AFFINITY_NAMES) {
        const v = values.get(name);
        if (v) report(v, 'has no effect without affinity: cookie');
      }
      return;
    }
    if (affinity.value.trim() !== 'cookie') {
      report(affinity, 'is not `cookie` (the only affinity ingress-nginx supports): no session affinity');
      return;
    }
    const session: SessionAffinity = { cookieName: DEFAULT_SESSION_COOKIE };
    const name = values.get('session-cookie-name');
    if (name) {
      if (COOKIE_NAME.test(name.value)) session.cookieName = name.value;
      else report(name, `is not a cookie name (letters, digits and !#$%&'*+-.^_\`|~): ${DEFAULT_SESSION_COOKIE} is used`);
    }
    const path = values.get('session-cookie-path');
    if (path) {
      if (path.value.startsWith('/') && !/[\s;]/.test(path.value)) session.path = path.value;
      else report(path, 'is not a path (starting with /, without spaces or ;): the matched path is used');
    } else if (out.regexPaths) {
      report(affinity, 'on regular-expression paths needs session-cookie-path (as ingress-nginx\'s docs say): the cookie\'s Path is /');
      session.path = '/';
    }
    for (const key of ['session-cookie-max-age', 'session-cookie-expires']) {
      const v = values.get(key);
      if (!v || session.ttlSeconds !== undefined) continue;
      const seconds = SECONDS.test(v.value.trim()) ? Number(v.value.trim()) : NaN;
      if (seconds >= 1) session.ttlSeconds = seconds;
      else report(v, 'is not a whole number of seconds greater than 0: ignored');
    }
    const mode = values.get('affinity-mode');
    if (mode) {
      if (mode.value === 'balanced') report(mode, 'is not supported: the cookie names an endpoint and keeps its sessions there when the Service scales (affinity-mode persistent)', { unsupported: true });
      else if (mode.value !== 'persistent') report(mode, 'is neither balanced nor persistent: sessions persist');
    }
    const change = values.get('session-cookie-change-on-failure');
    if (change) {
      const yes = parseBool(change.value);
      if (yes === undefined) report(change, 'is not a boolean: false applies');
      else if (yes) report(change, 'is not supported: the cookie changes only when its endpoint is gone or unhealthy, not after one failed attempt', { unsupported: true });
    }
    const canaryBehavior = values.get('affinity-canary-behavior');
    if (canaryBehavior) report(canaryBehavior, 'has effect only on a canary Ingress, whose affinity Portico ignores');
    for (const key of UNSUPPORTED_ATTRIBUTES) {
      const v = values.get(key);
      if (v) report(v, 'is not supported: Envoy\'s stateful session cookie carries only HttpOnly, Path and Max-Age', { unsupported: true });
    }
    out.sessionAffinity = session;
  },
};
