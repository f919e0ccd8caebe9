/**
 * `custom-headers` (ingress-nginx docs, "Custom Headers": "This annotation is of the form
 * nginx.ingress.kubernetes.io/custom-headers: <namespace>/<custom headers configmap> to specify a
 * namespace and configmap name that contains custom headers. This annotation uses more_set_headers
 * nginx directive."): every key of the ConfigMap is a response header set (replacing one the backend
 * sent) to its value, on the Ingress's paths. Portico: the route's response header modifier `set`
 * (the HTTPRoute ResponseHeaderModifier's IR), resolved against the ConfigMap in
 * ingress/ingress-custom-headers.ts. This file only reads the reference: `<namespace>/<name>` as
 * ingress-nginx writes it, or a bare name (the Ingress's namespace).
 */
import type { AnnotationFamily } from '../ingress-annotations.js';

/** A DNS-1123 subdomain (a ConfigMap name) and label (a namespace). */
const NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

export const customHeadersFamily: AnnotationFamily = {
  names: ['custom-headers'],
  parse(values, out, report) {
    if (out.canary) return;
    const v = values.get('custom-headers');
    if (!v) return;
    const parts = v.value.trim().split('/');
    const [namespace, name] = parts.length === 2 ? parts : [undefined, parts[0]];
    if (parts.length > 2 || !name || !NAME.test(name) || (namespace !== undefined && !NAME.test(namespace))) {
      report(v, 'is not <namespace>/<configmap> (or a ConfigMap name): no header is set');
      return;
    }
    out.customHeaders = { ...(namespace !== undefined ? { namespace } : {}), name };
  },
};
