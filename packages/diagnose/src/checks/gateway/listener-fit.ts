/**
 * Why a route's parentRef did not bind, listener by listener: the rules of route attachment
 * (httproute_types.go ParentReference, gateway_types.go AllowedRoutes, GEP-1713) checked one at a time
 * against every listener of the parent Gateway and of the ListenerSets attached to it, so the report
 * can name the listener that came closest (the one failing the fewest rules), why it refused, and the
 * change that would make it accept the route.
 */
import type { Listener, ListenerSet, ListenerStatus, ParentReference, Route, RouteGroupKind } from '@portico/resources';
import { intersectHostnames, matchesLabelSelector } from '@portico/translator';
import type { DiagnoseInput } from '../../findings.js';
import { namespaceOf, statusOf } from '../chain-objects.js';

export type Rule = 'parent' | 'sectionName' | 'port' | 'kind' | 'namespace' | 'hostname';

export interface Miss {
  rule: Rule;
  /** Why the listener refused, as a clause: `its hostname shop.example.com matches none of …`. */
  why: string;
  /** The change that would satisfy this rule. */
  fix: string;
}

export interface ListenerOwnerRef {
  kind: 'Gateway' | 'ListenerSet';
  namespace: string;
  name: string;
}

export interface ListenerFit {
  owner: ListenerOwnerRef;
  listener: Listener;
  misses: Miss[];
}

/** Route kinds each protocol carries (listeners.ts of the translator); for the fix of a kind mismatch. */
const PROTOCOLS_FOR_KIND: Record<string, string> = {
  HTTPRoute: 'HTTP or HTTPS',
  GRPCRoute: 'HTTP or HTTPS',
  TLSRoute: 'TLS',
  TCPRoute: 'TCP (or TLS with tls.mode Terminate)',
  UDPRoute: 'UDP',
};

/**
 * Every listener the parentRef could have meant, with the rules it fails, closest first: fewest
 * misses, then fewest against what the parentRef names, then the parentRef's own parent before its
 * relatives, then declaration order.
 */
export function listenerFits(input: DiagnoseInput, route: Route, parentRef: ParentReference, target: ListenerOwnerRef): ListenerFit[] {
  const candidates = candidateListeners(input, target);
  const fits = candidates.map(({ owner, listener, supportedKinds }, order) => ({
    owner,
    listener,
    order,
    misses: missesOf(input, route, parentRef, target, owner, listener, supportedKinds),
  }));
  fits.sort(
    (a, b) =>
      a.misses.length - b.misses.length ||
      againstIntent(a) - againstIntent(b) ||
      Number(!sameOwner(a.owner, target)) - Number(!sameOwner(b.owner, target)) ||
      a.order - b.order,
  );
  return fits.map(({ order: _order, ...fit }) => fit);
}

/**
 * Misses that contradict what the parentRef says explicitly (its parent, sectionName, port): between
 * two listeners one change away, the one the user named is the one they meant.
 */
function againstIntent(fit: { misses: Miss[] }): number {
  return fit.misses.filter((m) => m.rule === 'parent' || m.rule === 'sectionName' || m.rule === 'port').length;
}

function candidateListeners(input: DiagnoseInput, target: ListenerOwnerRef): { owner: ListenerOwnerRef; listener: Listener; supportedKinds: RouteGroupKind[] }[] {
  let gatewayKey: string;
  if (target.kind === 'Gateway') gatewayKey = `${target.namespace}/${target.name}`;
  else {
    const ls = input.resources.get('ListenerSet', target.namespace, target.name);
    if (!ls) return [];
    gatewayKey = `${ls.spec.parentRef.namespace ?? target.namespace}/${ls.spec.parentRef.name}`;
  }
  const [gwNamespace, gwName] = gatewayKey.split('/') as [string, string];
  const out: { owner: ListenerOwnerRef; listener: Listener; supportedKinds: RouteGroupKind[] }[] = [];
  const gateway = input.resources.get('Gateway', gwNamespace, gwName);
  if (gateway) {
    const statuses = statusOf(input, 'Gateway', gwNamespace, gwName)?.listeners ?? [];
    for (const listener of gateway.spec.listeners ?? []) out.push({ owner: { kind: 'Gateway', namespace: gwNamespace, name: gwName }, listener, supportedKinds: kindsOf(listener, statuses) });
  }
  for (const ls of attachedListenerSets(input, gwNamespace, gwName)) {
    const statuses = statusOf(input, 'ListenerSet', namespaceOf(ls), ls.metadata.name)?.listeners ?? [];
    const owner = { kind: 'ListenerSet' as const, namespace: namespaceOf(ls), name: ls.metadata.name };
    for (const listener of ls.spec.listeners ?? []) out.push({ owner, listener, supportedKinds: kindsOf(listener, statuses) });
  }
  return out;
}

function attachedListenerSets(input: DiagnoseInput, namespace: string, name: string): ListenerSet[] {
  return input.resources
    .list('ListenerSet')
    .filter((ls) => ls.spec?.parentRef?.name === name && (ls.spec.parentRef.namespace ?? namespaceOf(ls)) === namespace)
    .filter((ls) => statusOf(input, 'ListenerSet', namespaceOf(ls), ls.metadata.name) !== undefined);
}

function kindsOf(listener: Listener, statuses: readonly ListenerStatus[]): RouteGroupKind[] {
  return statuses.find((s) => s.name === listener.name)?.supportedKinds ?? [];
}

function missesOf(
  input: DiagnoseInput,
  route: Route,
  parentRef: ParentReference,
  target: ListenerOwnerRef,
  owner: ListenerOwnerRef,
  listener: Listener,
  supportedKinds: RouteGroupKind[],
): Miss[] {
  const misses: Miss[] = [];
  const routeNamespace = namespaceOf(route);
  if (!sameOwner(owner, target)) {
    const ns = owner.namespace !== routeNamespace ? `, namespace: ${owner.namespace}` : '';
    misses.push({
      rule: 'parent',
      why: `it belongs to ${owner.kind} ${owner.namespace}/${owner.name}, and the parentRef names ${target.kind} ${target.namespace}/${target.name} (a parentRef reaches its own parent's listeners only)`,
      fix: `make the parentRef name the ${owner.kind}: { ${owner.kind === 'ListenerSet' ? 'kind: ListenerSet, ' : ''}name: ${owner.name}${ns} }`,
    });
  }
  if (parentRef.sectionName !== undefined && parentRef.sectionName !== listener.name) {
    misses.push({ rule: 'sectionName', why: `its name is ${listener.name}, not ${parentRef.sectionName}`, fix: `set the parentRef's sectionName: ${listener.name}` });
  }
  if (parentRef.port !== undefined && parentRef.port !== listener.port) {
    misses.push({ rule: 'port', why: `its port is ${listener.port}, not ${parentRef.port}`, fix: `set the parentRef's port: ${listener.port} (or remove port)` });
  }
  if (!supportedKinds.some((k) => k.kind === route.kind)) {
    const carried = supportedKinds.map((k) => k.kind).join(', ') || 'no route kind';
    const listed = listener.allowedRoutes?.kinds?.length ? ` (allowedRoutes.kinds lists ${listener.allowedRoutes.kinds.map((k) => k.kind).join(', ')})` : '';
    const fix = PROTOCOLS_FOR_KIND[route.kind] && listed && protocolCarries(listener, route.kind)
      ? `add { kind: ${route.kind} } to listener ${listener.name}'s allowedRoutes.kinds`
      : `attach the ${route.kind} to a listener of protocol ${PROTOCOLS_FOR_KIND[route.kind] ?? '?'}`;
    misses.push({ rule: 'kind', why: `it carries ${carried}, not ${route.kind}${listed}`, fix });
  }
  const namespaceMiss = namespaceRule(input, listener, owner.namespace, routeNamespace);
  if (namespaceMiss) misses.push(namespaceMiss);
  const hostnameMiss = hostnameRule(route, listener);
  if (hostnameMiss) misses.push(hostnameMiss);
  return misses;
}

function protocolCarries(listener: Listener, kind: string): boolean {
  if (listener.protocol === 'HTTP' || listener.protocol === 'HTTPS') return kind === 'HTTPRoute' || kind === 'GRPCRoute';
  if (listener.protocol === 'TLS') return kind === 'TLSRoute' || (kind === 'TCPRoute' && listener.tls?.mode === 'Terminate');
  return listener.protocol === kind.replace(/Route$/, '');
}

/** gateway_types.go RouteNamespaces: Same means the listener owner's namespace. */
function namespaceRule(input: DiagnoseInput, listener: Listener, ownerNamespace: string, routeNamespace: string): Miss | undefined {
  const from = listener.allowedRoutes?.namespaces?.from ?? 'Same';
  if (from === 'All') return undefined;
  if (from === 'Same') {
    if (routeNamespace === ownerNamespace) return undefined;
    return {
      rule: 'namespace',
      why: `it allows routes from its own namespace ${ownerNamespace} only (allowedRoutes.namespaces.from: Same), and the route is in ${routeNamespace}`,
      fix: `set allowedRoutes.namespaces.from: All (or Selector) on listener ${listener.name}, or create the route in namespace ${ownerNamespace}`,
    };
  }
  if (from === 'Selector') {
    const selector = listener.allowedRoutes?.namespaces?.selector;
    const namespace = input.resources.get('Namespace', undefined, routeNamespace);
    if (selector && namespace && matchesLabelSelector(selector, namespace.metadata.labels)) return undefined;
    const labels = selectorLabels(selector);
    const why = !namespace
      ? `it allows routes from namespaces matching a selector, and Namespace ${routeNamespace} is unknown, so its labels cannot match`
      : `it allows routes from namespaces matching ${JSON.stringify(selector ?? {})}, and the labels of Namespace ${routeNamespace} do not match`;
    const fix = labels ? `label namespace ${routeNamespace}: kubectl label namespace ${routeNamespace} ${labels}` : `change listener ${listener.name}'s allowedRoutes.namespaces.selector to match namespace ${routeNamespace}`;
    return { rule: 'namespace', why, fix };
  }
  return { rule: 'namespace', why: `it allows routes from no namespace (allowedRoutes.namespaces.from: ${from})`, fix: `set allowedRoutes.namespaces.from: Same, All or Selector on listener ${listener.name}` };
}

/** `k=v k2=v2` that would satisfy a selector, when it can be said that simply. */
function selectorLabels(selector: { matchLabels?: Record<string, string>; matchExpressions?: { key: string; operator: string; values?: string[] }[] } | undefined): string | undefined {
  if (!selector) return undefined;
  const parts = Object.entries(selector.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const e of selector.matchExpressions ?? []) {
    if (e.operator === 'In' && e.values?.[0] !== undefined) parts.push(`${e.key}=${e.values[0]}`);
    else if (e.operator === 'Exists') parts.push(`${e.key}=true`);
    else if (e.operator === 'NotIn' || e.operator === 'DoesNotExist') continue;
    else return undefined;
  }
  return parts.length > 0 ? parts.join(' ') : undefined;
}

/** httproute_types.go Hostnames: the route's and the listener's hostnames must intersect (TCP and UDP have none). */
function hostnameRule(route: Route, listener: Listener): Miss | undefined {
  if (route.kind === 'UDPRoute' || route.kind === 'TCPRoute' || listener.protocol === 'TCP' || listener.protocol === 'UDP') return undefined;
  const hostnames = 'hostnames' in route.spec ? route.spec.hostnames : undefined;
  if (intersectHostnames(listener.hostname, hostnames).length > 0) return undefined;
  const host = listener.hostname!;
  // Under a wildcard listener, the route's own first label is the likeliest name meant: shop.example.org → shop.example.com.
  const first = hostnames?.find((h) => !h.startsWith('*.'))?.split('.')[0];
  const example = !host.startsWith('*.') ? host : first ? `${first}${host.slice(1)} (a name under ${host})` : `a name under ${host}`;
  return {
    rule: 'hostname',
    why: `its hostname ${host} matches none of the route's hostnames ${(hostnames ?? []).join(', ')}`,
    fix: `add ${example} to the route's spec.hostnames, or set listener ${listener.name}'s hostname to cover ${hostnames?.[0] ?? 'the route'}`,
  };
}

function sameOwner(a: ListenerOwnerRef, b: ListenerOwnerRef): boolean {
  return a.kind === b.kind && a.namespace === b.namespace && a.name === b.name;
}
