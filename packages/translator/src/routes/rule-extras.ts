/** Rule fields beside matches, filters and backends: timeouts, retry, session persistence. */
import type { HTTPRouteIR } from '@portico/ir';
import type { HTTPRouteRule } from '@portico/resources';
import type { Problem } from '../backends/destinations.js';
import { parseDuration } from './durations.js';

export function ruleExtras(
  rule: Pick<HTTPRouteRule, 'timeouts' | 'retry' | 'sessionPersistence'>,
  invalid: (p: Problem) => void,
): Pick<HTTPRouteIR, 'timeouts' | 'retry' | 'sessionPersistence'> {
  const out: Pick<HTTPRouteIR, 'timeouts' | 'retry' | 'sessionPersistence'> = {};
  const duration = (field: string, text: string | undefined): number | undefined => {
    if (text === undefined) return undefined;
    const ms = parseDuration(text);
    if (ms === undefined) invalid({ reason: 'UnsupportedValue', message: `${field} ${JSON.stringify(text)} is not a valid duration` });
    return ms;
  };
  if (rule.timeouts) {
    const requestMs = duration('timeouts.request', rule.timeouts.request);
    const backendRequestMs = duration('timeouts.backendRequest', rule.timeouts.backendRequest);
    // GEP-1742: the backend request timeout cannot exceed the whole request's (0 disables a timeout).
    if (requestMs && backendRequestMs && backendRequestMs > requestMs) {
      invalid({ reason: 'UnsupportedValue', message: 'timeouts.backendRequest must not be greater than timeouts.request' });
    }
    out.timeouts = { ...(requestMs !== undefined ? { requestMs } : {}), ...(backendRequestMs !== undefined ? { backendRequestMs } : {}) };
  }
  if (rule.retry) {
    const backoffMs = duration('retry.backoff', rule.retry.backoff);
    out.retry = {
      // GEP-1731 leaves the default attempt count to the implementation; Envoy's own default is 1.
      attempts: rule.retry.attempts ?? 1,
      ...(rule.retry.codes?.length ? { codes: [...rule.retry.codes] } : {}),
      ...(backoffMs !== undefined ? { backoffMs } : {}),
    };
  }
  const sp = rule.sessionPersistence;
  if (sp) {
    const type = sp.type ?? 'Cookie';
    const absoluteTimeoutMs = duration('sessionPersistence.absoluteTimeout', sp.absoluteTimeout);
    const idleTimeoutMs = duration('sessionPersistence.idleTimeout', sp.idleTimeout);
    out.sessionPersistence = {
      type,
      // v1.7.0 names the session in `cookie.name` / `header.name`; a cluster with v1.6.1 CRDs still serves `sessionName`.
      name: (type === 'Cookie' ? sp.cookie?.name : sp.header?.name) ?? sp.sessionName ?? (type === 'Cookie' ? 'portico-session' : 'x-portico-session'),
      ...(absoluteTimeoutMs !== undefined ? { absoluteTimeoutMs } : {}),
      ...(idleTimeoutMs !== undefined ? { idleTimeoutMs } : {}),
      ...(type === 'Cookie'
        ? {
            lifetime: sp.cookie?.lifetimeType ?? sp.cookieConfig?.lifetimeType ?? 'Session',
            // "When not specified, implementations MUST default the cookie path to "/"" (v1.7.0 CookieConfig.Path).
            cookiePath: sp.cookie?.path ?? '/',
          }
        : {}),
    };
  }
  return out;
}
