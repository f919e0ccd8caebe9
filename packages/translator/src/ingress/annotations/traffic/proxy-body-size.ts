/**
 * `proxy-body-size` (ingress-nginx docs, "Custom max body size": "For NGINX, an 413 error will be
 * returned to the client when the size in a request exceeds the maximum allowed size of the client
 * request body. This size can be configured by the parameter client_max_body_size. To configure this
 * setting globally for all Ingress rules, the proxy-body-size value may be set in the NGINX
 * ConfigMap. To use custom values in an Ingress rule define these annotation:
 * nginx.ingress.kubernetes.io/proxy-body-size: 8m"). nginx's client_max_body_size: "Sizes can be
 * specified in bytes, kilobytes (suffixes k and K), megabytes (suffixes m and M), or gigabytes
 * (suffixes g and G)"; "Setting size to 0 disables checking of client request body size".
 * Portico: the route's request body limit (HTTPRouteIR.maxRequestBytes), Envoy's buffer filter per
 * route, which buffers the body and answers 413 above the limit (xds routes/buffer-per-route.ts).
 * "0" sets no limit. Without the annotation Portico sets none either (ingress-nginx's ConfigMap
 * default is 1m: a migrated Ingress that relied on it should say so). Envoy's limit is a uint32:
 * 4g and more is 4 GiB − 1 byte (reported). Another value is reported and no limit set. The limit goes on the
 * paths that proxy (a redirect reads no body).
 */
import type { AnnotationFamily } from '../ingress-annotations.js';

const SIZE = /^([0-9]{1,10})([kKmMgG]?)$/;
const UNIT: Readonly<Record<string, number>> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };
/** Envoy's max_request_bytes is a uint32. */
const MAX_BYTES = 4_294_967_295;

export const proxyBodySizeFamily: AnnotationFamily = {
  names: ['proxy-body-size'],
  parse(values, out, report) {
    if (out.canary) return;
    const v = values.get('proxy-body-size');
    if (!v) return;
    const m = SIZE.exec(v.value.trim());
    if (!m) {
      report(v, 'is not an nginx size (a number with an optional k, m or g suffix): no limit is set');
      return;
    }
    const bytes = Number(m[1]) * UNIT[m[2]!.toLowerCase()]!;
    if (bytes > MAX_BYTES) report(v, `is above Envoy's largest body limit: ${MAX_BYTES} bytes (4 GiB − 1) applies`);
    if (bytes > 0) out.maxRequestBytes = Math.min(bytes, MAX_BYTES);
  },
};
