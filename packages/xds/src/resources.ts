import type { Proto3Json } from '@portico/envoy';

/** One Envoy resource in proto3 JSON (no "@type"), with its xDS name. */
export interface NamedResource {
  name: string;
  resource: Proto3Json;
}

/** Everything one gateway's Envoys are served. Lists are sorted by name. */
export interface XdsResources {
  listeners: NamedResource[];
  routes: NamedResource[];
  clusters: NamedResource[];
  endpoints: NamedResource[];
  secrets: NamedResource[];
}

/** What a listener builder produces besides the listener itself. */
export interface ListenerOutput {
  listener: NamedResource;
  routes: NamedResource[];
  secrets: NamedResource[];
}
