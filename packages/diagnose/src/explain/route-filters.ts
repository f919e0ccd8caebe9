/**
 * What a chosen route does to a request on its way, in words: header mutations, path and host
 * rewrites, CORS, external auth, mirrors, timeouts and retries, session persistence, as the Route
 * and RouteAction fields carry them.
 */
import { asArray, asObject, type Json } from './xds-view.js';

const CORS = 'envoy.filters.http.cors';
const SESSION = 'envoy.filters.http.stateful_session';
/** The ext_authz filters are named `envoy.filters.http.ext_authz/<auth cluster>/<settings hash>` (xds names.ts). */
const EXT_AUTHZ_PREFIX = 'envoy.filters.http.ext_authz/';

export function routeFilters(route: Json): string[] {
  const out: string[] = [];
  headerMutations(route, 'request', out);
  const action = asObject(route.route);
  if (typeof action.prefixRewrite === 'string') out.push(`path prefix rewritten to ${JSON.stringify(action.prefixRewrite)}`);
  const regexRewrite = asObject(action.regexRewrite);
  if (regexRewrite.pattern) out.push(`path rewritten: ${JSON.stringify(asObject(regexRewrite.pattern).regex)} → ${JSON.stringify(regexRewrite.substitution)}`);
  if (typeof action.hostRewriteLiteral === 'string') out.push(`Host rewritten to ${JSON.stringify(action.hostRewriteLiteral)}`);
  for (const m of asArray(action.requestMirrorPolicies)) {
    const fraction = asObject(asObject(m.runtimeFraction).defaultValue);
    const percent = fraction.numerator === undefined ? 100 : Number(fraction.numerator) / (fraction.denominator === 'MILLION' ? 10000 : fraction.denominator === 'TEN_THOUSAND' ? 100 : 1);
    out.push(`mirrored to ${String(m.cluster)} (${percent} %)`);
  }
  if (typeof action.timeout === 'string') out.push(action.timeout === '0s' ? 'no route timeout' : `route timeout ${action.timeout}`);
  if (typeof action.idleTimeout === 'string') out.push(`idle timeout ${action.idleTimeout}`);
  const retry = asObject(action.retryPolicy);
  if (retry.retryOn) {
    const codes = asArray(retry.retriableStatusCodes);
    out.push(`retries: ${String(retry.numRetries ?? 1)} on ${String(retry.retryOn)}${codes.length ? ` (${codes.join(', ')})` : ''}${retry.perTryTimeout ? `, ${String(retry.perTryTimeout)} per try` : ''}`);
  }
  const perFilter = asObject(route.typedPerFilterConfig);
  if (perFilter[CORS]) {
    const policy = asObject(asObject(asObject(perFilter[CORS]).config ?? perFilter[CORS]));
    const origins = asArray(policy.allowOriginStringMatch).map((o) => String(o.exact ?? asObject(o.safeRegex).regex ?? '?'));
    out.push(`CORS: origins ${origins.join(', ') || '(none)'}${policy.allowMethods ? `, methods ${String(policy.allowMethods)}` : ''}`);
  }
  for (const name of Object.keys(perFilter).filter((n) => n.startsWith(EXT_AUTHZ_PREFIX)).sort()) {
    const cluster = name.slice(EXT_AUTHZ_PREFIX.length).split('/').slice(0, -1).join('/');
    out.push(`external auth: checked by ${cluster} first (a denial is its answer; unreachable: 403)`);
  }
  if (perFilter[SESSION]) out.push('session persistence (stateful session)');
  headerMutations(route, 'response', out);
  return out;
}

/** The header mutations of a ClusterWeight (a backendRef's own filters). */
export function shareFilters(entry: Json): string[] {
  const out: string[] = [];
  headerMutations(entry, 'request', out);
  if (typeof entry.hostRewriteLiteral === 'string') out.push(`Host rewritten to ${JSON.stringify(entry.hostRewriteLiteral)}`);
  headerMutations(entry, 'response', out);
  return out.filter((f) => !f.includes('x-portico-invalid-backend'));
}

function headerMutations(target: Json, direction: 'request' | 'response', out: string[]): void {
  for (const h of asArray(target[`${direction}HeadersToAdd`])) {
    const header = asObject(h.header);
    const verb = h.appendAction === 'OVERWRITE_IF_EXISTS_OR_ADD' ? 'set' : 'add';
    out.push(`${direction} header ${verb} ${String(header.key)}: ${String(header.value)}`);
  }
  for (const name of asArray(target[`${direction}HeadersToRemove`]) as unknown as string[]) out.push(`${direction} header remove ${name}`);
}
