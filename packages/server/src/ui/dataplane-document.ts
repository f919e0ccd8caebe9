/**
 * `GET /ui/api/dataplane`: per gateway, the proxies connected to it (from the xDS client table), the
 * snapshot version they are served, whether each runs it, its last NACK, how long the last change
 * took to reach every proxy, and the routes a proxy refused (the quarantine). Proxies naming a
 * gateway the server does not serve are listed under that name: they are served nothing, and that
 * is worth seeing.
 */
import type { ClientInfo } from '@portico/xds-server';
import type { DebugData } from '../admin/debug-views.js';
import type { DataPlaneDocument, GatewayDataPlane, ProxyState } from '@portico/ui';
import { objectId } from './graph-ids.js';

/** The type whose version an edit of routes moves: the one shown as "ACKed". */
const ROUTES_TYPE = 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration';

export function dataPlaneDocument(data: DebugData, version: string): DataPlaneDocument {
  const clients = data.clients();
  const quarantined = data.quarantined?.() ?? [];
  const keys = new Set<string>([...data.servedGateways(), ...clients.map((c) => c.gateway).filter((g): g is string => g !== undefined)]);
  const gateways: GatewayDataPlane[] = [...keys].sort().map((gateway) => {
    const servedVersion = data.servedVersion(gateway);
    const convergence = data.convergence?.(gateway);
    return {
      gateway,
      ...(servedVersion === undefined ? {} : { servedVersion }),
      proxies: clients.filter((c) => c.gateway === gateway).map((c) => proxyState(c, data)),
      ...(convergence?.lastConvergenceSeconds === undefined ? {} : { convergenceSeconds: convergence.lastConvergenceSeconds }),
      quarantined: quarantined.filter((q) => q.gateway === gateway).map((q) => ({ id: objectId(q.kind, q.namespace, q.name), message: `${q.refusedBy}: ${q.error}` })),
    };
  });
  return { version, gateways };
}

/**
 * A proxy is in sync when every type it was sent is ACKed at the version sent (the server resends only
 * the types a snapshot changes, so comparing with the snapshot version would misjudge the rest).
 */
function proxyState(client: ClientInfo, data: DebugData): ProxyState {
  const types = Object.entries(client.types);
  const routes = client.types[ROUTES_TYPE as keyof ClientInfo['types']] ?? types[0]?.[1];
  const inSync = types.length > 0 && types.every(([, t]) => t.sentVersion === undefined || t.ackedVersion === t.sentVersion);
  const nacks = types.filter(([, t]) => t.lastNack).sort(([, a], [, b]) => (a.lastNack!.at < b.lastNack!.at ? 1 : -1));
  const [lastType, last] = nacks[0] ?? [];
  const seconds = data.clientAckSeconds?.(client.streamId);
  return {
    id: client.streamId,
    node: client.nodeId ?? client.streamId,
    ...(routes?.ackedVersion === undefined ? {} : { ackedVersion: routes.ackedVersion }),
    inSync,
    ...(seconds === undefined ? {} : { lastAckSeconds: seconds }),
    ...(last?.lastNack ? { lastNack: { version: last.lastNack.version, typeUrl: lastType!, message: last.lastNack.message } } : {}),
    connectedSince: client.connectedAt,
  };
}
