/**
 * `proxy-read-timeout` and `proxy-send-timeout` (ingress-nginx docs, "Custom timeouts"; nginx
 * proxy_read_timeout / proxy_send_timeout): seconds allowed between two successive reads from
 * (writes to) the backend, not a limit on the whole exchange. In Envoy that is the route's
 * `idle_timeout` (the stream is idle when nothing moves in either direction), set to the larger of the
 * two so it never cuts a stream nginx would keep; and since nginx has no total limit, the route's
 * `timeout` (Envoy's 15s default otherwise) is turned off. `proxy-connect-timeout` is the cluster's
 * connect timeout in Envoy, and clusters are shared by every route to the same Service port, so one
 * Ingress cannot set it: it is reported as unsupported (unsupported.ts).
 * Values are whole seconds ("60", or "60s"), more than 0; another value is reported and ignored.
 */
import type { AnnotationFamily } from '../ingress-annotations.js';

const SECONDS = /^([0-9]{1,6})s?$/;

export const proxyTimeoutsFamily: AnnotationFamily = {
  names: ['proxy-read-timeout', 'proxy-send-timeout'],
  parse(values, out, report) {
    for (const name of this.names) {
      const v = values.get(name);
      if (!v) continue;
      const seconds = Number(SECONDS.exec(v.value.trim())?.[1] ?? NaN);
      if (!(seconds > 0)) {
        report(v, 'is not a number of seconds greater than 0: Envoy\'s defaults apply');
        continue;
      }
      out.idleTimeoutMs = Math.max(out.idleTimeoutMs ?? 0, seconds * 1000);
    }
  },
};
