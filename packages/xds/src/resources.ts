import type { Proto3Json } from '@portico/envoy';

/** Names one resource references, by kind: what the snapshot consistency check needs to find. */
export interface ReferencedNames {
  routes: Set<string>;
  clusters: Set<string>;
  endpoints: Set<string>;
  secrets: Set<string>;
  /** HTTP filter names keyed in a `typedPerFilterConfig` (the connection manager must install them). */
  perFilterConfigs: Set<string>;
}

/**
 * One Envoy resource in proto3 JSON (no "@type"), with its xDS name.
 *
 * A resource written straight from the IR (wire/wire-resource.ts) also carries its encoded `bytes`
 * and the names it `references`, and its `resource` is then a getter that builds the JSON on demand
 * (for dumps and goldens) without keeping it. Such an object must never be spread (`{...r}` drops a
 * prototype getter): read its members by name.
 */
export interface NamedResource {
  name: string;
  readonly resource: Proto3Json;
  /** The encoded message, written from the IR: encodeResources uses it as is and never reads `resource`. */
  readonly bytes?: Uint8Array;
  /**
   * With `bytes`: the names the resource references, exactly what the consistency walk of its JSON
   * would find (snapshot/consistency.ts referencesOf; for an EDS cluster, its endpoint set too).
   */
  readonly references?: ReferencedNames;
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
