/**
 * `GET /ui/api/explain?url=…[&gateway=ns/name][&method=][&header=Name: value]…[&port=][&sni=]`:
 * `portico explain` run on the xDS the server serves (the redacted config dumps of /debug/xds, as
 * `explain --admin` reads them), plus the path through the graph the page highlights: the gateway,
 * the listener the request came in on, the route that took it (from the Envoy route's name, which
 * carries its origin), and the Services and endpoints of the backends it is sent to.
 */
import { chooseGateway, ExplainGatewayError, explainRequest, ExplainRequestError, parseExplainRequest, type Explanation } from '@portico/diagnose';
import type { GatewayIR } from '@portico/ir';
import type { ExplainDocument, GraphDocument, NodeId } from '@portico/ui';
import { endpointId, gatewayId, listenerId, objectId, serviceId } from './graph-ids.js';
import type { UiSnapshot } from './ui-model.js';

export type ExplainAnswer = { status: 200; document: ExplainDocument } | { status: 400; error: string };

export function explainDocument(snapshot: UiSnapshot, params: URLSearchParams): ExplainAnswer {
  const url = params.get('url');
  if (!url) return { status: 400, error: 'missing url: /ui/api/explain?url=http://host/path' };
  const port = params.get('port');
  if (port !== null && !/^\d{1,5}$/.test(port)) return { status: 400, error: `invalid port '${port}'` };
  const xds = snapshot.input.xds ?? new Map<string, unknown>();
  let explanation: Explanation;
  try {
    const request = parseExplainRequest(url, {
      headers: params.getAll('header').filter((h) => h.trim() !== ''),
      ...(params.get('method') ? { method: params.get('method')! } : {}),
      ...(port !== null ? { port: Number(port) } : {}),
      ...(params.get('sni') ? { sni: params.get('sni')! } : {}),
    });
    const gateway = chooseGateway(xds, request, params.get('gateway') || undefined);
    explanation = explainRequest(gateway, xds.get(gateway), request);
  } catch (error) {
    if (error instanceof ExplainRequestError || error instanceof ExplainGatewayError) return { status: 400, error: error.message };
    throw error;
  }
  // Status 0 is "forwarded, no answer of Envoy's own": only a status Envoy answers with is shown.
  const summary = `${explanation.outcome}${explanation.status ? ` ${explanation.status}` : ''}: ${explanation.reason}`;
  return { status: 200, document: { explanation, summary, path: explainPath(snapshot.graph, snapshot.translation.gateways.get(explanation.gateway), explanation) } };
}

const ROUTE_ORIGIN = /^(httproute|grpcroute|ingress)\/([^/]+)\/([^/]+)\/rule\//;
const KINDS: Record<string, string> = { httproute: 'HTTPRoute', grpcroute: 'GRPCRoute', ingress: 'Ingress' };

/** The graph nodes the explained request passes through, in order; nodes the graph does not have are skipped. */
export function explainPath(graph: GraphDocument, ir: GatewayIR | undefined, explanation: Explanation): NodeId[] {
  const ids = new Set(graph.nodes.map((n) => n.id));
  const path: NodeId[] = [];
  const add = (id: NodeId | undefined) => {
    if (id !== undefined && ids.has(id) && !path.includes(id)) path.push(id);
  };
  const gateway = explanation.gateway;
  add(gatewayId(gateway));
  const origin = ROUTE_ORIGIN.exec(explanation.route ?? '');
  const irName = explanation.listener === null ? undefined : explanation.listener.startsWith(`${gateway}/`) ? explanation.listener.slice(gateway.length + 1) : explanation.listener;
  const listener = ir?.listeners.find((l) => l.name === irName);
  // A TCP or UDP port routes no HTTP (`not-http`): its one route is the IR listener's.
  const l4 = !origin && (listener?.type === 'TCP' || listener?.type === 'UDP') ? listener.route : undefined;
  const route = origin ? objectId(KINDS[origin[1]!]!, origin[2]!, origin[3]!) : l4 ? objectId(l4.source.kind, l4.source.namespace, l4.source.name) : undefined;
  if (irName !== undefined) {
    const candidates = (listener?.sources ?? []).map((source) => listenerNode(gateway, irName, source));
    // Several Gateway listeners may share the port: the one the route hangs from is the one taken.
    const attached = route === undefined ? undefined : candidates.find((c) => graph.edges.some((e) => e.from === c && e.to === route));
    const chosen = attached ?? candidates.find((c) => ids.has(c));
    const owner = chosen && graph.nodes.find((n) => n.id === chosen)?.owner;
    if (owner?.startsWith('ListenerSet/')) add(owner);
    add(chosen);
  }
  add(route);
  const endpointsOf = (cluster: string) => (ir?.backends.find((b) => b.name === cluster)?.endpoints ?? []).map((e) => `${e.address.includes(':') ? `[${e.address}]` : e.address}:${e.port}`);
  const clusters = explanation.backends.length > 0 ? explanation.backends : (l4?.destination.backends ?? []).flatMap((b) => ('backend' in b ? [{ cluster: b.backend, endpoints: endpointsOf(b.backend) }] : []));
  for (const backend of clusters) {
    const [namespace, service] = backend.cluster.split('/');
    if (namespace === undefined || service === undefined) continue;
    add(serviceId(namespace, service));
    for (const endpoint of backend.endpoints) {
      const colon = endpoint.lastIndexOf(':');
      add(endpointId(namespace, service, endpoint.slice(0, colon).replace(/^\[|\]$/g, ''), endpoint.slice(colon + 1)));
    }
  }
  return path;
}

/** The listener node of one IR listener source: `http` (a Gateway's), `ns/set/http` (a ListenerSet's), `ingress/ns/name` (an Ingress on its class's listener). */
function listenerNode(gateway: string, irName: string, source: string): NodeId {
  const [namespace, name] = gateway.split('/') as [string, string];
  if (source.startsWith('ingress/')) return listenerId(namespace, name, irName);
  const parts = source.split('/');
  return parts.length === 3 ? listenerId(parts[0]!, parts[1]!, parts[2]!) : listenerId(namespace, name, source);
}
