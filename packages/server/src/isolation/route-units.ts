/**
 * Route units: the smallest part of a gateway's route tables that NACK containment tests and
 * quarantines. A unit is one rule of one route object (`HTTPRoute/ns/name/rule/2`; an object
 * without rules is one unit): every IR route it produced, in every listener and virtual host.
 * Pure functions over the IR; an IR is never changed, and parts without a change keep their identity
 * (the xDS build cache then rebuilds only the listeners that lost or gained routes).
 */
import type { GatewayIR, HTTPRouteIR, ListenerIR, SourceRef, VirtualHostIR } from '@portico/ir';

/** `Kind/namespace/name/rule/<i>`, or `Kind/namespace/name` for a source without rule index. */
export function unitKeyOf(source: SourceRef): string {
  const object = `${source.kind}/${source.namespace}/${source.name}`;
  return source.rule === undefined ? object : `${object}/rule/${source.rule}`;
}

/** Kind, namespace, name and rule of a unit key (the inverse of unitKeyOf). */
export function parseUnitKey(key: string): { kind: string; namespace: string; name: string; rule?: number } {
  const [kind = '', namespace = '', name = '', , rule] = key.split('/');
  return { kind, namespace, name, ...(rule === undefined ? {} : { rule: Number(rule) }) };
}

/** Where a route sits: `<listener>/<server or ''>/<virtual host>`. */
type Place = string;

/** Calls `visit` for every virtual host of every HTTP route table (cleartext HTTP and HTTPS servers). */
function forEachVirtualHost(ir: GatewayIR, visit: (vhost: VirtualHostIR, place: Place) => void): void {
  for (const listener of ir.listeners) {
    if (listener.type === 'HTTP') for (const vhost of listener.virtualHosts) visit(vhost, `${listener.name}//${vhost.name}`);
    if (listener.type === 'TLS') {
      for (const vhost of listener.virtualHosts ?? []) visit(vhost, `${listener.name}//${vhost.name}`);
      for (const server of listener.servers) {
        if (server.mode === 'HTTPS') for (const vhost of server.virtualHosts) visit(vhost, `${listener.name}/${server.name}/${vhost.name}`);
      }
    }
  }
}

/** The same IR with each virtual host's routes replaced by `routes(vhost, place)`; unchanged parts keep their identity. */
function mapRoutes(ir: GatewayIR, routes: (vhost: VirtualHostIR, place: Place) => HTTPRouteIR[]): GatewayIR {
  const mapHosts = (hosts: VirtualHostIR[], prefix: string): VirtualHostIR[] => {
    let changed = false;
    const next = hosts.map((vhost) => {
      const list = routes(vhost, `${prefix}/${vhost.name}`);
      if (list.length === vhost.routes.length && list.every((r, i) => r === vhost.routes[i])) return vhost;
      changed = true;
      return { ...vhost, routes: list };
    });
    return changed ? next : hosts;
  };
  let changed = false;
  const listeners = ir.listeners.map((listener): ListenerIR => {
    if (listener.type === 'HTTP') {
      const virtualHosts = mapHosts(listener.virtualHosts, `${listener.name}/`);
      if (virtualHosts === listener.virtualHosts) return listener;
      changed = true;
      return { ...listener, virtualHosts };
    }
    if (listener.type === 'TLS') {
      const shared = listener.virtualHosts && mapHosts(listener.virtualHosts, `${listener.name}/`);
      let serversChanged = shared !== listener.virtualHosts;
      const servers = listener.servers.map((server) => {
        if (server.mode !== 'HTTPS') return server;
        const virtualHosts = mapHosts(server.virtualHosts, `${listener.name}/${server.name}`);
        if (virtualHosts === server.virtualHosts) return server;
        serversChanged = true;
        return { ...server, virtualHosts };
      });
      if (!serversChanged) return listener;
      changed = true;
      return { ...listener, servers, ...(shared ? { virtualHosts: shared } : {}) };
    }
    return listener;
  });
  return changed ? { ...ir, listeners } : ir;
}

/** Every unit of an IR with its routes and where they sit, in the order first met. */
export function routeUnits(ir: GatewayIR): Map<string, { place: Place; route: HTTPRouteIR }[]> {
  const units = new Map<string, { place: Place; route: HTTPRouteIR }[]>();
  forEachVirtualHost(ir, (vhost, place) => {
    for (const route of vhost.routes) {
      const key = unitKeyOf(route.source);
      let list = units.get(key);
      if (!list) units.set(key, (list = []));
      list.push({ place, route });
    }
  });
  return units;
}

/**
 * A unit's content, as a string equal for equal content: its routes and where they sit. Used to
 * tell a changed unit from an unchanged one (a changed object releases its quarantine).
 */
export function unitFingerprint(entries: readonly { place: Place; route: HTTPRouteIR }[]): string {
  return JSON.stringify(entries.map(({ place, route }) => [place, route]));
}

/** Fingerprints of every unit of an IR. */
export function unitFingerprints(ir: GatewayIR): Map<string, string> {
  return new Map([...routeUnits(ir)].map(([key, entries]) => [key, unitFingerprint(entries)]));
}

/** The units of `next` that are new or different from `previous` (every unit when there is no previous), in order. */
export function changedUnits(next: GatewayIR, previous: GatewayIR | undefined): string[] {
  const before = previous ? unitFingerprints(previous) : new Map<string, string>();
  return [...unitFingerprints(next)].filter(([key, print]) => before.get(key) !== print).map(([key]) => key);
}

/** The IR without the routes of the given units. */
export function withoutUnits(ir: GatewayIR, units: ReadonlySet<string>): GatewayIR {
  if (units.size === 0) return ir;
  return mapRoutes(ir, (vhost) => vhost.routes.filter((route) => !units.has(unitKeyOf(route.source))));
}

/**
 * A probe table: `next` where each unit of `held` (changed units not under test) takes the routes it
 * had in `previous` (the table the Envoy runs), at the place its new routes had, or none when it is
 * new. The units under test and every unchanged unit are as in `next`. Served to an Envoy that keeps
 * its last good table while it refuses, a probe is never worse than what it runs: a unit not under
 * test is as before, a unit under test is new.
 */
export function probeTable(next: GatewayIR, previous: GatewayIR | undefined, held: ReadonlySet<string>): GatewayIR {
  if (held.size === 0) return next;
  const old = new Map<string, HTTPRouteIR[]>();
  if (previous) {
    forEachVirtualHost(previous, (vhost, place) => {
      for (const route of vhost.routes) {
        const key = unitKeyOf(route.source);
        if (!held.has(key)) continue;
        const slot = `${place}\u0000${key}`;
        old.set(slot, [...(old.get(slot) ?? []), route]);
      }
    });
  }
  return mapRoutes(next, (vhost, place) => {
    const out: HTTPRouteIR[] = [];
    const placed = new Set<string>();
    for (const route of vhost.routes) {
      const key = unitKeyOf(route.source);
      if (!held.has(key)) out.push(route);
      else if (!placed.has(key)) {
        placed.add(key);
        out.push(...(old.get(`${place}\u0000${key}`) ?? []));
      }
    }
    return out;
  });
}

/**
 * The values of a unit that Envoy may quote in an error: every string of its routes (matches,
 * rewrites, header names and values …) but the names Portico made up.
 */
export function unitValues(entries: readonly { route: HTTPRouteIR }[]): string[] {
  const values = new Set<string>();
  const walk = (value: unknown): void => {
    if (typeof value === 'string') values.add(value);
    else if (Array.isArray(value)) for (const item of value) walk(item);
    else if (value && typeof value === 'object') for (const item of Object.values(value)) walk(item);
  };
  // The route's own name, its source and its backends' names are Portico's, not the user's values.
  for (const { route } of entries) walk({ ...route, name: undefined, source: undefined, destination: undefined });
  return [...values];
}
