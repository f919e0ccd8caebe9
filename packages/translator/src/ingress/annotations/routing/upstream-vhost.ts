/**
 * `upstream-vhost` (ingress-nginx docs, "Custom NGINX upstream vhost"): the Host header sent to the
 * backend (`proxy_set_header Host <value>`), i.e. a host rewrite. nginx variables are not supported.
 */
import type { AnnotationFamily } from '../ingress-annotations.js';

const HOST = /^[A-Za-z0-9]([-A-Za-z0-9]*[A-Za-z0-9])?(\.[A-Za-z0-9]([-A-Za-z0-9]*[A-Za-z0-9])?)*(:[0-9]{1,5})?$/;

export const upstreamVhostFamily: AnnotationFamily = {
  names: ['upstream-vhost'],
  parse(values, out, report) {
    const v = values.get('upstream-vhost');
    if (!v) return;
    if (HOST.test(v.value)) out.upstreamHost = v.value;
    else report(v, 'is not a host name (nginx variables are not supported): the Host header is passed on unchanged');
  },
};
