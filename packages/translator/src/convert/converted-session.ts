/**
 * An Ingress's `affinity: cookie` (ingress/annotations/traffic/session-affinity.ts) as the HTTPRoute rule's
 * `sessionPersistence` (Gateway API v1.7 `cookie`): the same SessionPersistenceIR, hence the same
 * Envoy stateful_session cookie — name, Path (session-cookie-path, else the Ingress path), and
 * Max-Age as `absoluteTimeout` with lifetimeType Permanent (a Session cookie without one).
 */
import type { HTTPRouteRule } from '@portico/resources';
import { sessionPersistence } from '../ingress/annotations/apply.js';
import type { SessionAffinity } from '../ingress/annotations/traffic/session-affinity.js';

/** Gateway API Duration allows at most 5 digits per unit. */
export const MAX_SESSION_SECONDS = 99_999 * 3600;

export function convertedSessionPersistence(affinity: SessionAffinity, path: string, regexPaths: boolean): NonNullable<HTTPRouteRule['sessionPersistence']> {
  const ir = sessionPersistence(affinity, path, regexPaths);
  return {
    type: 'Cookie',
    cookie: { name: ir.name, path: ir.cookiePath!, lifetimeType: ir.lifetime! },
    ...(ir.absoluteTimeoutMs !== undefined ? { absoluteTimeout: gatewayDuration(ir.absoluteTimeoutMs / 1000) } : {}),
  };
}

/** Whole seconds as `<h>h<m>m<s>s` without zero units (at most 99999h). */
export function gatewayDuration(seconds: number): string {
  const total = Math.min(seconds, MAX_SESSION_SECONDS);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const text = `${h ? `${h}h` : ''}${m ? `${m}m` : ''}${s ? `${s}s` : ''}`;
  return text || '0s';
}
