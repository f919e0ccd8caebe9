/**
 * Shadowed route matches as the translation reports them (TranslationResult.shadowed): which match of
 * which route never matches under which listener hostname, the match that takes its requests, and
 * the precedence step that put that one first. `portico diagnose` (Shadowing) and the route's own
 * `portico.dev/Shadowed` parent condition (shadowed-condition.ts) are made from these.
 */
import type { RouteMatchIR, StringMatchIR } from '@portico/ir';
import type { ResourceSet } from '@portico/resources';
import type { ListenerState } from '../../gateways/listeners.js';
import type { HostnameShadowing } from '../virtual-hosts.js';
import { explainPrecedence, type PrecedenceStep } from './precedence-steps.js';
import type { PlacedEntry } from './shadowed-entries.js';

/** One match of one rule of an HTTPRoute or GRPCRoute. */
export interface RouteMatchRef {
  kind: 'HTTPRoute' | 'GRPCRoute';
  namespace: string;
  name: string;
  rule: number;
  match: number;
  /** The rule's `name` (GEP-995), when it has one. */
  ruleName?: string;
  /** The route hostname it is served by here (`*`: the route names none). */
  routeHostname: string;
  /** The match in words: `PathPrefix /api, method GET, header x-env = canary`. */
  description: string;
}

export interface ShadowedMatch {
  /** `namespace/name` of the Gateway. */
  gateway: string;
  /** The listener's IR name (its name; `<namespace>/<listenerset>/<name>` on a ListenerSet). */
  listener: string;
  /** The hostname (listener/route intersection) under which the match never matches. */
  hostname: string;
  /**
   * OverlapsRoute: another route has the very same hostname and match, and wins; ShadowedByRule: an
   * earlier match (of this route or another) takes every request this one would.
   */
  reason: 'ShadowedByRule' | 'OverlapsRoute';
  shadowed: RouteMatchRef;
  /** The match that takes its requests. */
  by: RouteMatchRef;
  /** The precedence step that put `by` first. */
  decidedBy: PrecedenceStep;
  /** Every precedence step, the ties and the one that decided, in words. */
  precedence: string;
}

/** A ShadowedMatch with the listener it happened on, to find the route parents that attached there. */
export interface ListenerShadowedMatch {
  match: ShadowedMatch;
  listener: ListenerState;
}

export function shadowedMatches(resources: ResourceSet, gateway: string, shadowing: readonly HostnameShadowing[]): ListenerShadowedMatch[] {
  const out: ListenerShadowedMatch[] = [];
  for (const { listener, hostname, found } of shadowing) {
    for (const { shadowed, by, equivalent } of found) {
      const { step, text } = explainPrecedence(by, shadowed);
      const loser = matchRef(resources, shadowed);
      const winner = matchRef(resources, by);
      const sameRoute = loser.kind === winner.kind && loser.namespace === winner.namespace && loser.name === winner.name;
      out.push({
        listener,
        match: {
          gateway,
          listener: listener.irName,
          hostname,
          reason: equivalent && !sameRoute ? 'OverlapsRoute' : 'ShadowedByRule',
          shadowed: loser,
          by: winner,
          decidedBy: step,
          precedence: text,
        },
      });
    }
  }
  return out;
}

function matchRef(resources: ResourceSet, placed: PlacedEntry): RouteMatchRef {
  const { source, match } = placed.entry.ir;
  const kind = source.kind === 'GRPCRoute' ? 'GRPCRoute' : 'HTTPRoute';
  const rule = source.rule ?? 0;
  const route = resources.get(kind, source.namespace, source.name);
  const ruleName = route?.spec.rules?.[rule]?.name;
  return {
    kind,
    namespace: source.namespace,
    name: source.name,
    rule,
    match: source.match ?? 0,
    ...(ruleName ? { ruleName } : {}),
    routeHostname: placed.behind,
    description: describeMatch(match, placed.entry.grpc),
  };
}

export function describeMatch(m: RouteMatchIR, grpc: boolean): string {
  const parts: string[] = [];
  if (grpc) {
    const g = m.grpc;
    const op = g?.type === 'RegularExpression' ? '~' : '=';
    parts.push(g?.service ? `service ${op} ${g.service}` : 'any service', g?.method ? `method ${op} ${g.method}` : 'any method');
  } else {
    const path = m.path ?? { type: 'PathPrefix', value: '/' };
    parts.push(`${path.type} ${path.value}`);
    if (m.method) parts.push(`method ${m.method}`);
  }
  for (const h of m.headers ?? []) parts.push(`header ${condition(h.name, h)}`);
  for (const q of m.queryParams ?? []) parts.push(`query ${condition(q.name, q)}`);
  return parts.join(', ');
}

function condition(name: string, m: StringMatchIR): string {
  return `${name} ${m.type === 'Exact' ? '=' : '~'} ${m.value}`;
}

/** `HTTPRoute default/api rule 0 (name: read) match 1`. */
export function describeRef(ref: RouteMatchRef, withRoute = true): string {
  const rule = `rule ${ref.rule}${ref.ruleName ? ` (name: ${ref.ruleName})` : ''} match ${ref.match}`;
  return withRoute ? `${ref.kind} ${ref.namespace}/${ref.name} ${rule}` : rule;
}
