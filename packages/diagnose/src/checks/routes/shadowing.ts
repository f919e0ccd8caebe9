/**
 * Shadowing: HTTPRoute and GRPCRoute matches that never match because an earlier match under the same
 * listener hostname takes every request they would (the translator's analysis, TranslationResult
 * `shadowed`), one WARN per shadowed match and hostname, naming the winner and the precedence step
 * that put it first. Route precedence is fixed by the Gateway API (httproute_types.go), so the fix is
 * never "reorder": narrow the winner, tell the two apart with a condition, or merge them. A gateway
 * serving HTTP routes with none shadowed gets one OK.
 *
 * A translation without the analysis (a result made elsewhere) still carries the routes'
 * `portico.dev/Shadowed` conditions: those are reported as they are.
 */
import type { GatewayIR } from '@portico/ir';
import { describeRef, SHADOWED_CONDITION, type ShadowedMatch } from '@portico/translator';
import type { Check, DiagnoseInput, Finding } from '../../findings.js';

export const shadowingCheck: Check = (input) => {
  const shadowed = input.translation.shadowed;
  const findings = shadowed ? shadowed.map((m) => shadowedFinding(input, m)) : fromConditions(input);
  const flagged = new Set(findings.map((f) => f.gateway));
  for (const [key, ir] of input.translation.gateways) {
    if (flagged.has(key) || !servesHTTPRoutes(ir) || !isGateway(input, key)) continue;
    const [namespace, name] = splitKey(key);
    findings.push({
      level: 'OK',
      link: 'Shadowing',
      gateway: key,
      object: { kind: 'Gateway', namespace, name },
      code: 'NoShadowedRules',
      message: 'no HTTPRoute or GRPCRoute match is shadowed by an earlier one',
    });
  }
  return findings;
};

function shadowedFinding(input: DiagnoseInput, m: ShadowedMatch): Finding {
  const { shadowed, by } = m;
  const overlap = m.reason === 'OverlapsRoute';
  return {
    level: 'WARN',
    link: 'Shadowing',
    gateway: m.gateway,
    object: { kind: shadowed.kind, namespace: shadowed.namespace, name: shadowed.name },
    field: matchField(input, m),
    code: m.reason,
    message:
      `${describeRef(shadowed, false)} (${shadowed.description}) never matches for hostname ${m.hostname} on listener ${m.listener}: ` +
      `${describeRef(by)} (${by.description}) ${overlap ? 'has the same hostname and match and' : 'matches every request it would, and'} comes first ` +
      `(precedence: ${m.precedence})`,
    fix: fixFor(m),
  };
}

function fixFor(m: ShadowedMatch): string {
  const winner = describeRef(m.by);
  const sameRoute = m.by.kind === m.shadowed.kind && m.by.namespace === m.shadowed.namespace && m.by.name === m.shadowed.name;
  const hostname =
    m.decidedBy === 'RouteHostname'
      ? `; or list hostname ${m.by.routeHostname} on this route as well (a route with the more specific hostname comes first, then the matches decide)`
      : '';
  if (sameRoute) {
    return `remove this match, or merge it into ${describeRef(m.by, false)} of the same route, which already takes its requests`;
  }
  const base = 'Route precedence is fixed by the Gateway API (reordering rules or routes changes nothing): ';
  return overlapFix(m, winner, base) + hostname;
}

function overlapFix(m: ShadowedMatch, winner: string, base: string): string {
  if (m.reason === 'OverlapsRoute') {
    return `${base}remove the duplicate match from one of the routes, make the two differ with a header, query param or method match, or merge the rules into one route (only ${winner} is served)`;
  }
  return `${base}narrow ${winner} so that it no longer covers this match, add to it a header, query param or method match that sets the two apart, or merge the two rules`;
}

/** `spec.rules[i].matches[j]`, or `spec.rules[i]` for a rule without matches (the default match). */
function matchField(input: DiagnoseInput, m: ShadowedMatch): string {
  const { kind, namespace, name, rule, match } = m.shadowed;
  const route = input.resources.get(kind, namespace, name);
  const hasMatches = (route?.spec.rules?.[rule]?.matches?.length ?? 0) > 0;
  return hasMatches ? `spec.rules[${rule}].matches[${match}]` : `spec.rules[${rule}]`;
}

/** The routes' own conditions, when the translation carries no analysis. */
function fromConditions(input: DiagnoseInput): Finding[] {
  const findings: Finding[] = [];
  for (const status of input.translation.statuses.values()) {
    if (status.kind !== 'HTTPRoute' && status.kind !== 'GRPCRoute') continue;
    for (const parent of status.status.parents) {
      const condition = parent.conditions.find((c) => c.type === SHADOWED_CONDITION && c.status === 'True');
      if (!condition) continue;
      const gateway = `${parent.parentRef.namespace ?? status.namespace}/${parent.parentRef.name}`;
      findings.push({
        level: 'WARN',
        link: 'Shadowing',
        ...(parent.parentRef.kind === undefined || parent.parentRef.kind === 'Gateway' ? { gateway } : {}),
        object: { kind: status.kind, namespace: status.namespace, name: status.name },
        field: 'status.parents[].conditions',
        code: condition.reason,
        message: condition.message,
        fix: 'Route precedence is fixed by the Gateway API: narrow the earlier match, add a header, query param or method match that tells them apart, or merge the rules',
      });
    }
  }
  return findings;
}

function servesHTTPRoutes(ir: GatewayIR): boolean {
  return ir.listeners.some((l) => (l.type === 'HTTP' || l.type === 'TLS') && (l.virtualHosts ?? []).some((h) => h.routes.length > 0));
}

function isGateway(input: DiagnoseInput, key: string): boolean {
  const [namespace, name] = splitKey(key);
  return input.resources.get('Gateway', namespace, name) !== undefined;
}

function splitKey(key: string): [string, string] {
  const slash = key.indexOf('/');
  return [key.slice(0, slash), key.slice(slash + 1)];
}
