/**
 * Virtual hosts and route tables assembled from encoded routes: a VirtualHost's bytes are its name,
 * domains and the bytes of its routes copied in; a RouteConfiguration's are its hosts' bytes copied
 * in (protobuf's length-delimited sub-messages concatenate). Nothing is encoded twice: routes and
 * hosts keep their bytes across builds (route-configuration.ts caches them).
 */
import { BufferWriter, fieldTags, type Proto3Json } from '@portico/envoy';
import type { ReferencedNames } from '../resources.js';
import { emptyNames, merge } from '../snapshot/consistency.js';
import { WireResource } from './wire-resource.js';
import { encodedRoutes, type RoutesWire } from './route-wire.js';
import { writeString } from './wire-fields.js';

const VIRTUAL_HOST = 'envoy.config.route.v3.VirtualHost';
const HOST_FIELDS = ['name', 'domains', 'routes'] as const;
const HOST = fieldTags(VIRTUAL_HOST, HOST_FIELDS, { ordered: true });
const ROUTE_CONFIGURATION = 'envoy.config.route.v3.RouteConfiguration';
const TABLE_FIELDS = ['name', 'virtualHosts', 'requestHeadersToRemove', 'ignorePortInHostMatching'] as const;
const TABLE = fieldTags(ROUTE_CONFIGURATION, TABLE_FIELDS, { ordered: true });

/** At most the bytes of one field's tag and length (a tag below 2^14, a length below 2^35). */
const PART_OVERHEAD = 7;

/** An upper bound of the bytes `parts` take as length-delimited fields: the writers are sized once, not grown by doubling. */
function sizeOfParts(parts: readonly Uint8Array[]): number {
  let size = 0;
  for (const part of parts) size += part.byteLength + PART_OVERHEAD;
  return size;
}

/** An upper bound of the UTF-8 bytes of `texts` (three per UTF-16 unit). */
function textSize(texts: readonly string[]): number {
  let size = 0;
  for (const text of texts) size += text.length * 3;
  return size;
}

/** One VirtualHost, encoded, with what its routes reference. */
export interface VirtualHostWire {
  bytes: Uint8Array;
  references: ReferencedNames;
}

/**
 * How a virtual host's routes get into its bytes: each IR route's kept bytes copied (RoutesWire), or
 * written on the spot into the host's writer, under the `routes` tag it is given, names into `names`.
 */
export type HostRoutes = readonly RoutesWire[] | ((w: BufferWriter, tag: number, names: ReferencedNames) => void);

/**
 * A virtual host: `first` (a route in JSON put before the others: the 421 check of a shared HTTPS
 * table, one per host, so encoded from its JSON), then its routes, in order.
 */
export function virtualHostWire(name: string, domains: readonly string[], first: Proto3Json | undefined, routes: HostRoutes, spanName: string | undefined): VirtualHostWire {
  const references = emptyNames();
  const w = new BufferWriter(typeof routes === 'function' ? undefined : sizeOfParts(routes.flatMap((r) => r.bytes)) + PART_OVERHEAD * (domains.length + 1) + textSize([name, ...domains]));
  writeString(w, HOST.name, name);
  // Every item of a repeated string is written, "" included, as the JSON encoder does.
  for (const domain of domains) w.uint32(HOST.domains).string(domain);
  if (first) copyRoutes(w, encodedRoutes([first], spanName), references);
  if (typeof routes === 'function') routes(w, HOST.routes, references);
  else for (const route of routes) copyRoutes(w, route, references);
  return { bytes: w.finish(), references };
}

function copyRoutes(w: BufferWriter, route: RoutesWire, references: ReferencedNames): void {
  for (const bytes of route.bytes) w.uint32(HOST.routes).bytes(bytes);
  merge(references, route.references);
}

/** What a route table holds besides its virtual hosts (route-configuration.ts buildRouteConfigurationJson, proxyless.ts). */
export interface RouteTableFields {
  /** Removed from every request before it is forwarded (the shared HTTPS table's server header). */
  requestHeaderToRemove?: string;
  /** Envoy's tables pick the virtual host by the Host without its port; a proxyless client's table lists both forms instead. */
  ignorePortInHostMatching: boolean;
}

/** The RouteConfiguration `name`, its bytes copied from `hosts`; `json` builds its JSON on demand. */
export function routeConfigurationWire(name: string, hosts: readonly VirtualHostWire[], fields: RouteTableFields, json: () => Proto3Json): WireResource {
  const references = emptyNames();
  const w = new BufferWriter(sizeOfParts(hosts.map((h) => h.bytes)) + PART_OVERHEAD * 3 + textSize([name, fields.requestHeaderToRemove ?? '']));
  writeString(w, TABLE.name, name);
  for (const host of hosts) {
    w.uint32(TABLE.virtualHosts).bytes(host.bytes);
    merge(references, host.references);
  }
  if (fields.requestHeaderToRemove !== undefined) w.uint32(TABLE.requestHeadersToRemove).string(fields.requestHeaderToRemove);
  if (fields.ignorePortInHostMatching) w.uint32(TABLE.ignorePortInHostMatching).bool(true);
  return new WireResource(name, w.finish(), references, json);
}
