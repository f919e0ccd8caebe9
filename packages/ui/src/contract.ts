/**
 * What the dashboard's page (`/ui`) reads from the admin server (`/ui/api/*`): the one contract between
 * the server side (packages/server/src/ui/) and the browser app (this package). Types only, so the
 * browser bundle and the server share them without either importing the other's code.
 *
 * Every document is JSON. Secrets never appear: Secret objects carry no `data`, IR and xDS are
 * redacted exactly as `/debug/ir` and `/debug/xds` redact them.
 */

/** Worst first: a node shows the worst of its own findings and conditions. */
export type Health = 'error' | 'warning' | 'ok' | 'unknown';

export type NodeKind =
  | 'GatewayClass'
  | 'Gateway'
  | 'ListenerSet'
  | 'Listener'
  | 'HTTPRoute'
  | 'GRPCRoute'
  | 'TLSRoute'
  | 'TCPRoute'
  | 'UDPRoute'
  | 'Ingress'
  | 'Service'
  | 'Backend'
  | 'Endpoint'
  | PolicyKind;

/** The GEP-713 policies the graph draws, each beside the objects its `targetRefs` name. */
export type PolicyKind = 'SecurityPolicy' | 'RateLimitPolicy' | 'AccessLogPolicy' | 'XTelemetryPolicy' | 'BackendPolicy' | 'BackendTLSPolicy' | 'XBackendTrafficPolicy';

/**
 * A node id is its kind and name path, `/`-separated (stable across updates, usable as a CSS attribute value):
 * `GatewayClass/<name>`, `Gateway/<ns>/<name>`, `ListenerSet/<ns>/<name>`,
 * `Listener/<ns>/<gateway or listenerset name>/<listener name>` (owner kind in `owner`),
 * `HTTPRoute/<ns>/<name>` (likewise every route kind and Ingress), `Service/<ns>/<name>`,
 * `Backend/<ns>/<name>` (a non-Service backendRef kind), `Endpoint/<ns>/<service>/<address>:<port>`,
 * `<policy kind>/<ns>/<name>` (`SecurityPolicy/<ns>/<name>`, likewise every PolicyKind).
 */
export type NodeId = string;

/** A diagnose finding (packages/diagnose `Finding`) shown on the node it is about. */
export interface Badge {
  level: 'WARN' | 'FAIL';
  code: string;
  message: string;
  /** How to fix it: a sentence or YAML to apply. */
  fix?: string;
  /** Where in the object (`spec.rules[0].backendRefs[1].port`). */
  field?: string;
}

export interface ConditionSummary {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  /** For a route: the parent (`Gateway/<ns>/<name>` node id, with `/<sectionName>` when named) the condition is about. */
  parent?: NodeId;
}

export interface GraphNode {
  id: NodeId;
  kind: NodeKind;
  namespace?: string;
  name: string;
  /** Gateways (`<ns>/<name>`) whose traffic this node is part of: filters and per-gateway collapsing. */
  gateways: string[];
  health: Health;
  /** One line a reader sees first: the worst finding's message, a failed condition's reason, or a summary. */
  summary: string;
  badges: Badge[];
  conditions: ConditionSummary[];
  /** Listener: protocol, port, hostname. Route: hostnames. Service: ports. Endpoint: ready or not. */
  facts: Record<string, string>;
  /** The node that contains this one in a collapsed view (a Listener's Gateway or ListenerSet). */
  owner?: NodeId;
}

export type EdgeKind =
  /** GatewayClass → Gateway. */
  | 'class'
  /** Gateway → Listener, ListenerSet → Listener, Gateway → ListenerSet. */
  | 'listener'
  /** Listener → route attached to it (Accepted); `health: error` for a parentRef that did not attach. */
  | 'attachment'
  /** Route → Service/Backend it sends to; `health: error` when the ref does not resolve. */
  | 'backend'
  /** Service → Endpoint. */
  | 'endpoint'
  /**
   * Policy → each drawn object its targetRefs name (Gateway, Listener for a sectionName, route, Service);
   * labelled with the rule or port a sectionName narrows it to; not ok when the policy is not accepted.
   */
  | 'policy';

export interface GraphEdge {
  /** `<from>-><to>`; unique. */
  id: string;
  from: NodeId;
  to: NodeId;
  kind: EdgeKind;
  health: Health;
  /** Why an edge is red (the condition's reason and message), or its weight for a backend. */
  label?: string;
}

/** `GET /ui/api/graph[?namespace=&gateway=ns/name&kind=&problems=true]` */
export interface GraphDocument {
  /** Changes whenever the graph would (translation generation + data-plane state). */
  version: string;
  /** ISO time of the translation the graph shows. */
  translatedAt: string;
  controllerName: string;
  nodes: GraphNode[];
  edges: GraphEdge[];
  /** Node counts by health over the whole graph (before filters). */
  totals: Record<Health, number>;
  /** The namespaces and gateways present, for the filter menus. */
  namespaces: string[];
  gatewayNames: string[];
}

/** `GET /ui/api/object?id=<node id>`: what the details panel shows. 404 `{ error }` for an unknown id. */
export interface ObjectDetails {
  id: NodeId;
  kind: NodeKind;
  /** The Kubernetes object with its status as YAML (a Listener: its Gateway's listener entry and status). */
  yaml: string;
  badges: Badge[];
  /** The IR of what this node contributes (a gateway's IR, a route's IR routes), redacted; absent for nodes with none. */
  ir?: string;
  /** The xDS it becomes (a gateway: its config dump; a route: its Envoy routes), redacted YAML; absent for nodes with none. */
  xds?: string;
}

export interface ProxyState {
  /** The xDS stream id. */
  id: string;
  /** Envoy's node id. */
  node: string;
  /** The version this proxy ACKed last (routes, the type most edits touch) and whether it is the served one. */
  ackedVersion?: string;
  inSync: boolean;
  /** Seconds from the last change to this proxy's ACK of it. */
  lastAckSeconds?: number;
  lastNack?: { version: string; typeUrl: string; message: string };
  connectedSince?: string;
}

export interface GatewayDataPlane {
  gateway: string;
  /** The snapshot version the gateway's proxies are served. */
  servedVersion?: string;
  proxies: ProxyState[];
  /** Seconds the last change took until every connected proxy ACKed it. */
  convergenceSeconds?: number;
  /** Routes a proxy refused (quarantined until they change): node ids, with the proxy's error. */
  quarantined: { id: NodeId; message: string }[];
}

/** `GET /ui/api/dataplane` */
export interface DataPlaneDocument {
  version: string;
  gateways: GatewayDataPlane[];
}

/**
 * `GET /ui/api/explain?url=<http(s) URL>[&gateway=ns/name][&method=GET][&header=Name: value]…[&port=][&sni=]`:
 * `portico explain` on the served xDS. 400 `{ error }` for a request that cannot be parsed or a gateway to choose.
 */
export interface ExplainDocument {
  /** The explanation, as `portico explain -o json` prints it. */
  explanation: unknown;
  /** One line: outcome, status and reason. */
  summary: string;
  /** Graph nodes the request passes through, in order: Gateway, Listener, route, Service(s), Endpoint(s). */
  path: NodeId[];
}

/**
 * `GET /ui/api/events`: server-sent events. `event: changed` with data `{ "graph": version, "dataplane": version }`
 * whenever either changes (coalesced, at most one per 250 ms), and once on connect; the page then refetches
 * what changed. A comment line every 15 s keeps proxies from closing the stream.
 */
export interface ChangedEvent {
  graph: string;
  dataplane: string;
}
