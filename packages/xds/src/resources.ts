import type { Proto3Json } from '@portico/envoy';

/** One Envoy resource in proto3 JSON (no "@type"), with its xDS name. */
export interface NamedResource {
  name: string;
  resource: Proto3Json;
}

/** Everything one gateway's Envoys (and proxyless gRPC clients) are served. Lists are sorted by name. */
export interface XdsResources {
  listeners: NamedResource[];
  routes: NamedResource[];
  clusters: NamedResource[];
  endpoints: NamedResource[];
  secrets: NamedResource[];
  /**
   * Listener and route names served only to a client that asks for them by name: the API listeners
   * of proxyless gRPC clients and their route tables. Envoy, subscribing to every listener, must not
   * get them (it ignores API listeners sent over LDS).
   */
  namedOnly?: ReadonlySet<string>;
}

/** What a listener builder produces besides the listener itself. */
export interface ListenerOutput {
  listener: NamedResource;
  routes: NamedResource[];
  secrets: NamedResource[];
}
