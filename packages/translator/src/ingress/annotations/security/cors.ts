/**
 * `enable-cors` and its `cors-*` settings (ingress-nginx docs, "Enable CORS") → the route's CORSIR, the
 * IR an HTTPRoute CORS filter produces (Envoy's CORS filter answers preflights and adds the headers).
 * ingress-nginx's defaults: origin `*`, methods `GET, PUT, POST, DELETE, PATCH, OPTIONS`, headers
 * `DNT,Keep-Alive,User-Agent,X-Requested-With,If-Modified-Since,Cache-Control,Content-Type,Range,Authorization`,
 * credentials `true`, max age 1728000 s (20 days), no exposed headers. A setting it would refuse
 * falls back to its default, as ingress-nginx does, and is reported.
 */
import type { CORSIR } from '@portico/ir';
import { parseBool } from '../annotation-values.js';
import type { AnnotationFamily } from '../ingress-annotations.js';

export const CORS_DEFAULTS = {
  allowMethods: ['GET', 'PUT', 'POST', 'DELETE', 'PATCH', 'OPTIONS'],
  allowHeaders: ['DNT', 'Keep-Alive', 'User-Agent', 'X-Requested-With', 'If-Modified-Since', 'Cache-Control', 'Content-Type', 'Range', 'Authorization'],
  allowCredentials: true,
  maxAgeSeconds: 1_728_000,
} as const;

const SETTINGS = ['cors-allow-origin', 'cors-allow-methods', 'cors-allow-headers', 'cors-expose-headers', 'cors-allow-credentials', 'cors-max-age'];
/** ingress-nginx's origin check: `*`, or scheme://host[:port] where the host may start with `*.`. */
const ORIGIN = /^(\*|https?:\/\/(\*\.)?[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*(:[0-9]{1,5})?)$/;
const METHOD = /^[A-Za-z]+$/;
const HEADER = /^[A-Za-z0-9_-]+$/;

export const corsFamily: AnnotationFamily = {
  names: ['enable-cors', ...SETTINGS],
  parse(values, out, report) {
    const enable = values.get('enable-cors');
    const enabled = enable ? parseBool(enable.value) : false;
    if (enable && enabled === undefined) report(enable, 'is not a boolean: CORS stays disabled');
    if (!enabled) {
      for (const name of SETTINGS) {
        const v = values.get(name);
        if (v) report(v, 'has no effect without enable-cors: "true"');
      }
      return;
    }
    const cors: CORSIR = { allowOrigins: ['*'] };
    const origin = values.get('cors-allow-origin');
    if (origin) {
      const origins = list(origin.value);
      const bad = origins.filter((o) => !ORIGIN.test(o));
      if (bad.length > 0) report(origin, `has origins that are not "*" or scheme://host[:port] (${bad.join(', ')}): they are left out`);
      const good = origins.filter((o) => ORIGIN.test(o));
      if (good.length > 0) cors.allowOrigins = good;
    }
    cors.allowMethods = checkedList(values.get('cors-allow-methods'), METHOD, CORS_DEFAULTS.allowMethods, 'a list of HTTP methods', report).map((m) => m.toUpperCase());
    cors.allowHeaders = checkedList(values.get('cors-allow-headers'), HEADER, CORS_DEFAULTS.allowHeaders, 'a list of header names', report);
    const expose = checkedList(values.get('cors-expose-headers'), /^(\*|[A-Za-z0-9_-]+)$/, [], 'a list of header names', report);
    if (expose.length > 0) cors.exposeHeaders = expose;
    cors.allowCredentials = CORS_DEFAULTS.allowCredentials;
    const credentials = values.get('cors-allow-credentials');
    if (credentials) {
      const b = parseBool(credentials.value);
      if (b === undefined) report(credentials, 'is not a boolean: the default (true) applies');
      else cors.allowCredentials = b;
    }
    cors.maxAgeSeconds = CORS_DEFAULTS.maxAgeSeconds;
    const maxAge = values.get('cors-max-age');
    if (maxAge) {
      if (/^[0-9]{1,10}$/.test(maxAge.value.trim())) cors.maxAgeSeconds = Number(maxAge.value.trim());
      else report(maxAge, `is not a number of seconds: the default (${CORS_DEFAULTS.maxAgeSeconds}) applies`);
    }
    out.cors = cors;
  },
};

function list(text: string): string[] {
  return text.split(',').map((s) => s.trim()).filter((s) => s !== '');
}

/** ingress-nginx refuses the whole value when one item is malformed, and uses the default. */
function checkedList(
  value: { key: string; value: string } | undefined,
  item: RegExp,
  fallback: readonly string[],
  what: string,
  report: Parameters<AnnotationFamily['parse']>[2],
): string[] {
  if (!value) return [...fallback];
  const items = list(value.value);
  if (items.length > 0 && items.every((i) => item.test(i))) return items;
  report(value, `is not ${what}: the default${fallback.length ? ` (${fallback.join(', ')})` : ' (none)'} applies`);
  return [...fallback];
}
