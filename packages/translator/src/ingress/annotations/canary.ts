/**
 * `canary: "true"` (ingress-nginx docs, "Canary"): the Ingress is not a route of its own but an
 * alternative backend for the same host and path of a main Ingress, chosen by weight, header or cookie.
 * Portico does not implement the split yet. Serving a canary Ingress as an ordinary one would be
 * wrong either way (as the older Ingress it would take ALL of the main Ingress's traffic; with a path
 * of its own it would serve everyone), so it is not served at all: every request stays with the main
 * Ingress, as under ingress-nginx with canary-weight 0 and no header or cookie. Reported.
 */
import { parseBool } from './annotation-values.js';
import type { AnnotationFamily } from './ingress-annotations.js';

export const canaryFamily: AnnotationFamily = {
  names: ['canary'],
  parse(values, out, report) {
    const v = values.get('canary');
    if (!v) return;
    const enabled = parseBool(v.value);
    if (enabled === undefined) {
      report(v, 'is not a boolean ("true" or "false"): the Ingress is served as an ordinary Ingress, as ingress-nginx does');
    } else if (enabled) {
      out.canary = true;
      report(v, 'marks a canary Ingress, which Portico does not split traffic for: it is not served, every request stays with the main Ingress (instead: an HTTPRoute with weighted backendRefs or header matches)', { unsupported: true });
    }
  },
};
