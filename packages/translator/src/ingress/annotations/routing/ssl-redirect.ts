/**
 * `ssl-redirect` and `force-ssl-redirect` (ingress-nginx docs, "Server-side HTTPS enforcement through
 * redirect"): a request on plain HTTP is redirected to HTTPS with 308 (ingress-nginx's default
 * `http-redirect-code`). `ssl-redirect` only for hosts the Ingress has TLS for; `force-ssl-redirect`
 * for every host, with or without TLS (TLS terminated in front of the gateway).
 * Deviation, on purpose: ingress-nginx turns `ssl-redirect` on by default for an Ingress with TLS;
 * Portico redirects only when the annotation says "true", so that Ingresses of other classes, and
 * existing Portico users, keep being served on port 80 as before.
 */
import { parseBool } from '../annotation-values.js';
import type { AnnotationFamily } from '../ingress-annotations.js';

export const sslRedirectFamily: AnnotationFamily = {
  names: ['ssl-redirect', 'force-ssl-redirect'],
  parse(values, out, report) {
    for (const [name, mode] of [['ssl-redirect', 'tls-hosts'], ['force-ssl-redirect', 'always']] as const) {
      const v = values.get(name);
      if (!v) continue;
      const enabled = parseBool(v.value);
      if (enabled === undefined) report(v, 'is not a boolean ("true" or "false"): no redirect to HTTPS');
      else if (enabled && out.sslRedirect !== 'always') out.sslRedirect = mode;
    }
  },
};
