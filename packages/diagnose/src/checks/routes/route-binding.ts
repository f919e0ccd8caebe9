/**
 * Route link: every parentRef of every route that names one of our Gateways (or a ListenerSet of one),
 * bound or not. A parentRef that did not bind is a FAIL with the translator's reason, the listener that
 * came closest and why each listener refused (listener-fit.ts), and the change that would bind it. A
 * parentRef naming a Gateway or ListenerSet that does not exist is a FAIL too: nobody serves it. One OK
 * per route and gateway when everything bound.
 */
import type { ParentReference, Route, RouteParentStatus } from '@portico/resources';
import type { Check, DiagnoseInput, Finding } from '../../findings.js';
import { allRoutes, condition, namespaceOf, parentGatewayKey, parentTarget, refOf, sameParentRef, statusOf } from '../chain-objects.js';
import { listenerFits, type ListenerFit, type ListenerOwnerRef } from '../gateway/listener-fit.js';

export const routeBindingCheck: Check = (input) => allRoutes(input).flatMap((route) => routeFindings(input, route));

function routeFindings(input: DiagnoseInput, route: Route): Finding[] {
  const namespace = namespaceOf(route);
  const parents = statusOf(input, route.kind, namespace, route.metadata.name)?.parents ?? [];
  const findings: Finding[] = [];
  /** Gateway → the listeners the route bound to there, for the one OK line per gateway. */
  const bound = new Map<string, string[]>();
  (route.spec.parentRefs ?? []).forEach((parentRef, index) => {
    const target = parentTarget(parentRef, namespace);
    if (!target) return;
    const gateway = parentGatewayKey(input, parentRef, namespace);
    const entry = parents.find((p) => sameParentRef(p.parentRef, parentRef, namespace));
    const base = { link: 'Route' as const, object: refOf(route), field: `spec.parentRefs[${index}]` };
    if (!entry) {
      const missing = missingParent(input, target);
      if (missing) findings.push({ ...base, level: 'FAIL', ...(gateway ? { gateway } : {}), ...missing });
      return;
    }
    const accepted = condition(entry.conditions, 'Accepted');
    if (accepted?.status === 'True') {
      const listeners = listenerFits(input, route, parentRef, target).filter((f) => f.misses.length === 0).map(listenerName);
      bound.set(gateway!, [...(bound.get(gateway!) ?? []), ...listeners]);
      const partial = condition(entry.conditions, 'PartiallyInvalid');
      if (partial?.status === 'True') {
        findings.push({ ...base, field: 'spec.rules', gateway: gateway!, level: 'WARN', code: 'PartiallyInvalid', message: `some rules are dropped: ${partial.message}`, fix: 'fix the dropped rules as the message says' });
      }
      return;
    }
    findings.push({ ...base, gateway: gateway!, level: 'FAIL', ...notBound(input, route, parentRef, target, entry) });
  });
  for (const [gateway, listeners] of bound) {
    const via = [...new Set(listeners)];
    findings.push({
      level: 'OK',
      link: 'Route',
      gateway,
      object: refOf(route),
      code: 'Accepted',
      message: `${route.kind} is accepted by Gateway ${gateway}${via.length > 0 ? ` on ${via.join(', ')}` : ''}`,
    });
  }
  return findings;
}

/** A parentRef naming a Gateway or ListenerSet that does not exist; undefined when it exists but is not ours. */
function missingParent(input: DiagnoseInput, target: ListenerOwnerRef): Pick<Finding, 'code' | 'message' | 'fix'> | undefined {
  if (input.resources.get(target.kind, target.namespace, target.name)) return undefined;
  const existing = input.resources.listIn(target.kind, target.namespace).map((o) => o.metadata.name).sort();
  const known = existing.length > 0 ? `: the ${target.kind}s in namespace ${target.namespace} are ${existing.join(', ')}` : ` (there is no ${target.kind} in namespace ${target.namespace})`;
  return {
    code: 'ParentNotFound',
    message: `the parentRef names ${target.kind} ${target.namespace}/${target.name}, which does not exist: the route is not served there`,
    fix: `correct the parentRef's name${target.kind === 'Gateway' ? ' (and namespace)' : ''}${known}`,
  };
}

const BINDING_REASONS = new Set(['NoMatchingParent', 'NotAllowedByListeners', 'NoMatchingListenerHostname']);

function notBound(input: DiagnoseInput, route: Route, parentRef: ParentReference, target: ListenerOwnerRef, entry: RouteParentStatus): Pick<Finding, 'code' | 'message' | 'fix'> {
  const accepted = condition(entry.conditions, 'Accepted');
  const reason = accepted?.reason ?? 'NotAccepted';
  const said = accepted?.message ?? 'no Accepted condition';
  const parent = `${target.kind} ${target.namespace}/${target.name}`;
  if (!BINDING_REASONS.has(reason)) {
    // Not a listener mismatch: the route itself (an invalid rule), or it lost a hostname conflict.
    const fix = reason === 'HostnameConflict' ? 'give one of the routes other hostnames or matches; the older route keeps them' : 'fix the route as the message says';
    return { code: reason, message: `not accepted by ${parent}: ${said}`, fix };
  }
  const fits = listenerFits(input, route, parentRef, target);
  const [closest, ...others] = fits;
  if (!closest) return { code: reason, message: `not accepted by ${parent}: ${said}`, fix: `give ${parent} a listener for this ${route.kind}` };
  if (closest.misses.length === 0) {
    // A listener would take the route, so its parent is what refuses: a ListenerSet its Gateway does not admit.
    const fix =
      target.kind === 'ListenerSet'
        ? `let the ListenerSet attach: its Gateway's spec.allowedListeners.namespaces must admit namespace ${target.namespace} (see the ListenerSet's status)`
        : 'fix the parent as the message says';
    return { code: reason, message: `not accepted by ${parent}: ${said}`, fix };
  }
  const why = closest.misses.map((m) => m.why).join('; and ');
  const rest = others.length > 0 ? `; other listeners: ${others.map((f) => `${listenerName(f)} (${f.misses.map((m) => m.rule).join(', ')})`).join(', ')}` : '';
  return {
    code: reason,
    message: `not accepted by ${parent}: ${said}. Closest: ${listenerName(closest)}, because ${why}${rest}`,
    fix: closest.misses.map((m) => m.fix).join('; and '),
  };
}

function listenerName(fit: ListenerFit): string {
  const owner = fit.owner.kind === 'ListenerSet' ? ` of ListenerSet ${fit.owner.namespace}/${fit.owner.name}` : '';
  return `listener ${fit.listener.name}${owner}`;
}
