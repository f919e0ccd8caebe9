/**
 * The parts of one gateway's xDS config dump (`portico translate --to xds`, `/debug/xds`: Envoy's
 * `/config_dump` sections in proto3 JSON) that decide where a request goes: listeners, route tables,
 * clusters and their endpoint sets, indexed by name. Reading the served dump, not the IR, is the point
 * of `explain`: it says what Envoy does with what it was given.
 */

/** A proto3 JSON message as found in the dump. */
export type Json = Record<string, unknown>;

export interface XdsView {
  listeners: Json[];
  routeConfigs: Map<string, Json>;
  clusters: Map<string, Json>;
  /** ClusterLoadAssignments by cluster name (`clusterName`). */
  endpoints: Map<string, Json>;
}

const asArray = (value: unknown): Json[] => (Array.isArray(value) ? (value as Json[]) : []);
const asObject = (value: unknown): Json => (value && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : {});

/** Builds the view of one gateway's dump; sections that are missing or malformed are empty. */
export function xdsView(dump: unknown): XdsView {
  const sections = asObject(dump);
  const listeners = asArray(asObject(sections.listeners).dynamicListeners)
    .map((l) => asObject(asObject(l.activeState).listener))
    .filter((l) => typeof l.name === 'string');
  const routeConfigs = byName(asArray(asObject(sections.routes).dynamicRouteConfigs).map((r) => asObject(r.routeConfig)), 'name');
  const clusters = byName(asArray(asObject(sections.clusters).dynamicActiveClusters).map((c) => asObject(c.cluster)), 'name');
  const endpoints = byName(asArray(asObject(sections.endpoints).dynamicEndpointConfigs).map((e) => asObject(e.endpointConfig)), 'clusterName');
  return { listeners, routeConfigs, clusters, endpoints };
}

function byName(items: Json[], key: string): Map<string, Json> {
  const out = new Map<string, Json>();
  for (const item of items) if (typeof item[key] === 'string') out.set(item[key] as string, item);
  return out;
}

export { asArray, asObject };
