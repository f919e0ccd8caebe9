/**
 * ingress-nginx canaries (canary.ts) on the route table of one IngressClass. Each canary Ingress path
 * is an alternative backend of the main route serving the same host and path (the oldest non-canary
 * Ingress's, as served; its path written the same, a trailing `/` aside). One canary per path, the
 * oldest; a canary path without a main route is not served. Both are reported.
 *
 * The main route becomes, in this order (canary.ts gives the precedence):
 * - by header: `<header>: <value>` (exact) or the pattern (regex) → canary; without either,
 *   `always` → canary, `never` → main;
 * - by cookie: a Cookie header whose `<cookie>` is `always` → canary, `never` → main (the cookie name
 *   case-insensitively, as nginx's `$cookie_` variable reads it);
 * - the main route itself, its backends split `total - weight` : `weight` with the canary.
 * Every one of them is a copy of the main route (its rewrites, timeouts, source), with the canary's
 * backend in place of the main's where it goes to the canary: a canary's own annotations are ignored.
 * A main route that does not forward (a redirect, a fail-closed annotation) has nothing to split.
 */
import type { HeaderMatchIR, HTTPRouteIR, WeightedBackendIR } from '@portico/ir';
import type { IngressBackend } from '@portico/resources';
import type { Diagnostic } from '../../../result.js';
import type { RouteAction } from '../../ingress-backends.js';
import type { CanaryPolicy } from './canary.js';
import type { IngressAnnotations } from '../ingress-annotations.js';

/** One path of a canary Ingress. */
export interface CanaryPath {
  host: string;
  /** The path as written, a trailing `/` dropped (canaryPathKey). */
  path: string;
  exact: boolean;
  backend: IngressBackend;
  where: string;
}

/** The canary backend of one main route. */
export interface CanarySplit {
  policy: CanaryPolicy;
  action: RouteAction;
}

/** Resolves a canary's backend as the main Ingress's backend-protocol asks. */
export type CanaryResolver = (backend: IngressBackend, main: IngressAnnotations) => RouteAction & { problem?: string };

/** How a diagnostic about a canary path that is not served begins (diagnose reads it). */
export const CANARY_NOT_SERVED = 'canary not served: ';

export function canaryPathKey(path: string | undefined): string {
  const trimmed = (path ?? '/').replace(/\/+$/, '');
  return trimmed === '' ? '/' : trimmed;
}

export interface CanaryOwner {
  namespace: string;
  name: string;
  policy: CanaryPolicy;
  paths: CanaryPath[];
  resolve: CanaryResolver;
}

export interface MainEntry {
  route: HTTPRouteIR;
  path: string;
  exact: boolean;
  annotations: IngressAnnotations;
}

/**
 * The canary of each main route (by route name). `mainEntries(host)` lists the served (non-canary)
 * routes of a host in table order with their written paths; `canaries` oldest first.
 */
export function assignCanaries(canaries: readonly CanaryOwner[], mainEntries: (host: string) => readonly MainEntry[]): { splits: Map<string, CanarySplit>; problems: Diagnostic[] } {
  const splits = new Map<string, CanarySplit>();
  const owners = new Map<string, string>();
  const problems: Diagnostic[] = [];
  for (const c of canaries) {
    const report = (message: string) => problems.push({ kind: 'Ingress', namespace: c.namespace, name: c.name, message });
    for (const p of c.paths) {
      const main = mainEntries(p.host).find((e) => e.path === p.path && e.exact === p.exact);
      if (!main) {
        report(`${CANARY_NOT_SERVED}${p.where}: no Ingress serves host ${p.host} path ${p.path} for this canary to share`);
        continue;
      }
      const taken = owners.get(main.route.name);
      if (taken) {
        report(`${CANARY_NOT_SERVED}${p.where}: host ${p.host} path ${p.path} already has canary ${taken} (ingress-nginx allows one per path)`);
        continue;
      }
      owners.set(main.route.name, `${c.namespace}/${c.name}`);
      const { problem, ...action } = c.resolve(p.backend, main.annotations);
      if (problem) report(`canary backend: ${p.where}: ${problem}`);
      splits.set(main.route.name, { policy: c.policy, action });
    }
  }
  return { splits, problems };
}

/** The main route with its canary (see the file comment), in the order Envoy must try them. */
export function withCanary(main: HTTPRouteIR, split: CanarySplit): HTTPRouteIR[] {
  if (!main.destination) return [main];
  const { policy } = split;
  const out: HTTPRouteIR[] = [];
  const variant = (suffix: string, header: HeaderMatchIR, toCanary: boolean): HTTPRouteIR => {
    const { destination: _d, directResponse: _r, ...rest } = main;
    return {
      ...rest,
      ...(toCanary ? split.action : { destination: main.destination }),
      name: `${main.name}/canary-${suffix}`,
      match: { ...main.match, headers: [...(main.match.headers ?? []), header] },
    };
  };
  if (policy.header) {
    const name = policy.header;
    if (policy.headerValue !== undefined) out.push(variant('header', { name, type: 'Exact', value: policy.headerValue }, true));
    else if (policy.headerPattern !== undefined) out.push(variant('header', { name, type: 'RegularExpression', value: policy.headerPattern }, true));
    else if (policy.headerPatternRefused) out.push(variant('header-never', { name, type: 'RegularExpression', value: '.*' }, false));
    else out.push(variant('header', { name, type: 'Exact', value: 'always' }, true), variant('header-never', { name, type: 'Exact', value: 'never' }, false));
  }
  if (policy.cookie) {
    out.push(variant('cookie', cookieMatch(policy.cookie, 'always'), true), variant('cookie-never', cookieMatch(policy.cookie, 'never'), false));
  }
  out.push(weighted(main, split));
  return out;
}

/** A Cookie header whose `name` cookie has `value` (RE2, full match; the name case-insensitive, as nginx reads it). */
export function cookieMatch(name: string, value: string): HeaderMatchIR {
  const quoted = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return { name: 'cookie', type: 'RegularExpression', value: `(?:.*;\\s*)?(?i:${quoted})=${value}\\s*(?:;.*)?` };
}

function weighted(main: HTTPRouteIR, split: CanarySplit): HTTPRouteIR {
  const { weight, weightTotal } = split.policy;
  if (weight <= 0) return main;
  const canary: WeightedBackendIR = split.action.destination
    ? { ...split.action.destination.backends[0]!, weight }
    : { weight, invalid: { status: split.action.directResponse?.status ?? 500, reason: 'the canary backend cannot be used' } };
  if (weight >= weightTotal) {
    const { destination: _d, ...rest } = main;
    return { ...rest, ...(split.action.destination ? { destination: split.action.destination } : { directResponse: split.action.directResponse! }) };
  }
  const backends = main.destination!.backends.map((b) => ({ ...b, weight: b.weight * (weightTotal - weight) }));
  return { ...main, destination: { backends: [...backends, canary] } };
}
