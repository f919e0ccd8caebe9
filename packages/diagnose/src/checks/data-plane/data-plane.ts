/**
 * The last link: the proxies. From a running server's client table (`/debug/clients`), per gateway:
 * is any Envoy connected at all, and per connected Envoy, does it run the config it was sent last
 * (ACKed every type), is it still behind (sent, not answered yet), did it refuse it (NACK, with its
 * error text), was it sent nothing (it subscribed to nothing). Envoys that name no gateway, or one
 * that does not exist, are sent nothing and serve nothing. Routes a proxy refused and the server left
 * out of the config (the quarantine) are failures of the route.
 *
 * Offline there are no proxies (`clients` absent): nothing is judged.
 *
 * "Current" is judged per type against what the stream was sent last, not against the gateway's
 * snapshot version: the server resends only the types a new snapshot changes, so an Envoy running
 * the current config may have ACKed older versions of the types that did not change.
 */
import type { ClientInfo, ClientTypeState } from '@portico/xds-server';
import type { Check, DiagnoseInput, Finding, ObjectRef, QuarantinedRoute } from '../../findings.js';

/** The xDS service of each type URL, as Envoy's own stats and docs name them. */
const TYPE_NAMES: Readonly<Record<string, string>> = {
  'type.googleapis.com/envoy.config.listener.v3.Listener': 'LDS',
  'type.googleapis.com/envoy.config.route.v3.RouteConfiguration': 'RDS',
  'type.googleapis.com/envoy.config.cluster.v3.Cluster': 'CDS',
  'type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment': 'EDS',
  'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret': 'SDS',
};

export const checkDataPlane: Check = (input) => {
  const clients = input.clients;
  if (!clients) return [];
  const gateways = knownGateways(input);
  const findings: Finding[] = [];
  for (const gateway of gateways) {
    if (!clients.some((c) => c.gateway === gateway)) findings.push(noProxy(gateway));
  }
  for (const client of clients) findings.push(clientFinding(client, gateways, input));
  for (const entry of input.quarantined ?? []) findings.push(quarantinedRoute(entry));
  return findings;
};

/** Gateways the server translates or serves: the ones an Envoy may name in `node.cluster`. */
function knownGateways(input: DiagnoseInput): string[] {
  return [...new Set([...input.translation.gateways.keys(), ...(input.servedVersions?.keys() ?? [])])].sort();
}

function gatewayObject(gateway: string): ObjectRef {
  const [namespace, name] = splitGateway(gateway);
  // Ingress objects of one IngressClass are served as the gateway `ingressclass/<class>`.
  return namespace === 'ingressclass' ? { kind: 'IngressClass', name } : { kind: 'Gateway', namespace, name };
}

function noProxy(gateway: string): Finding {
  return {
    level: 'FAIL',
    link: 'DataPlane',
    gateway,
    object: gatewayObject(gateway),
    code: 'NoProxyConnected',
    message: `no proxy serves this gateway: no Envoy is connected to this server with node.cluster "${gateway}"`,
    fix: `start an Envoy with the bootstrap of \`portico bootstrap --gateway ${gateway}\` (node.cluster must be "${gateway}") and check it reaches the xDS address; its log says why a connection fails (with several Portico replicas, each Envoy is connected to one of them)`,
  };
}

function clientFinding(client: ClientInfo, gateways: readonly string[], input: DiagnoseInput): Finding {
  const object: ObjectRef = { kind: clientKind(client), name: client.nodeId ?? client.streamId };
  const base = { link: 'DataPlane' as const, object, ...(client.gateway ? { gateway: client.gateway } : {}) };
  const who = describeClient(client);
  if (!client.gateway) {
    return {
      ...base,
      level: 'FAIL',
      field: 'node.cluster',
      code: 'NoGatewayNamed',
      message: `${who} is connected without node.cluster: it names no gateway, so it is sent no config`,
      fix: `set node.cluster in its bootstrap to the gateway it serves (\`portico bootstrap --gateway NAMESPACE/NAME\`)${gatewayList(gateways)}`,
    };
  }
  if (!gateways.includes(client.gateway)) {
    return {
      ...base,
      level: 'FAIL',
      field: 'node.cluster',
      code: 'UnknownGateway',
      message: `${who} names gateway "${client.gateway}" in node.cluster, which does not exist or is not Portico's: it is sent no config`,
      fix: `set node.cluster to the "namespace/name" of a Gateway of Portico's GatewayClass${gatewayList(gateways)}`,
    };
  }
  const types = Object.entries(client.types)
    .filter(([, t]) => t.sentVersion !== undefined)
    .sort(([a], [b]) => typeRank(a) - typeRank(b) || (a < b ? -1 : a > b ? 1 : 0));
  if (types.length === 0) {
    return {
      ...base,
      level: 'WARN',
      code: 'NothingSent',
      message: `${who} has been connected since ${client.connectedAt} and was sent nothing: it subscribed to no resource${input.servedVersions?.has(client.gateway) ? '' : ', or the gateway has no config yet'}`,
      fix: 'check its bootstrap: dynamic_resources must take lds_config and cds_config from the ADS cluster (`portico bootstrap` prints one that does)',
    };
  }
  const refused = types.filter(([, t]) => t.lastNack !== undefined && t.lastNack.version === t.sentVersion && t.ackedVersion !== t.sentVersion);
  if (refused.length > 0) {
    return {
      ...base,
      level: 'FAIL',
      code: 'ConfigRejected',
      message: refused.map(([typeUrl, t]) => `${who} refused ${typeName(typeUrl)} version ${t.sentVersion} (${runs(t)}): ${t.lastNack!.message}`).join('; '),
      fix: 'the route or object named in the error is left out once the server finds it (see the quarantined routes); correct it, or report the error as a Portico bug if the object is valid',
    };
  }
  const behind = types.filter(([, t]) => t.ackedVersion !== t.sentVersion);
  if (behind.length > 0) {
    return {
      ...base,
      level: 'WARN',
      code: 'AckPending',
      message: behind.map(([typeUrl, t]) => `${who} has not yet ACKed ${typeName(typeUrl)} version ${t.sentVersion}, sent ${since(t.sentAt, input.now)} (${runs(t)})`).join('; '),
      fix: 'an Envoy answers within a second unless it is overloaded, blocked on a slow resource (a cluster warming without endpoints) or its connection stalled; check its log and `/config_dump`',
    };
  }
  const served = input.servedVersions?.get(client.gateway);
  return {
    ...base,
    level: 'OK',
    code: 'ConfigAcked',
    message: `${who} runs the current config: it ACKed what it was sent last of every type (${types.map(([typeUrl, t]) => `${typeName(typeUrl)} ${t.ackedVersion}`).join(', ')})${served ? `; the gateway is served at version ${served}` : ''}`,
  };
}

function quarantinedRoute(entry: QuarantinedRoute): Finding {
  const rule = entry.rule === undefined ? 'the route' : `rule ${entry.rule}`;
  return {
    level: 'FAIL',
    link: 'DataPlane',
    gateway: entry.gateway,
    object: { kind: entry.kind, namespace: entry.namespace, name: entry.name },
    ...(entry.rule === undefined ? {} : { field: `spec.rules[${entry.rule}]` }),
    code: 'RouteQuarantined',
    message: `Envoy ${entry.refusedBy} refused ${rule} (${typeName(entry.typeUrl)} version ${entry.version}): ${entry.error}; it is left out of the gateway's config since ${entry.since}`,
    fix: `correct ${rule} so that Envoy accepts it: any change to it releases the quarantine and it is tried again`,
  };
}

/** `Envoy`, or `xDSClient` for a client that says it is something else (a proxyless gRPC client: `grpc-node-js/…`). */
function clientKind(client: ClientInfo): string {
  return client.userAgent === undefined || client.userAgent.startsWith('envoy') ? 'Envoy' : 'xDSClient';
}

function describeClient(client: ClientInfo): string {
  const agent = client.userAgent ? `, ${client.userAgent}` : '';
  return `${client.nodeId ? `node "${client.nodeId}"` : `stream ${client.streamId}`} (${client.protocol} xDS from ${client.peer}${agent})`;
}

function runs(t: ClientTypeState): string {
  return t.ackedVersion ? `it runs version ${t.ackedVersion}` : 'it runs nothing of this type yet';
}

/** Types in the order Envoy's docs list them (LDS, RDS, CDS, EDS, SDS), unknown ones last. */
function typeRank(typeUrl: string): number {
  const rank = Object.keys(TYPE_NAMES).indexOf(typeUrl);
  return rank < 0 ? Number.MAX_SAFE_INTEGER : rank;
}

function typeName(typeUrl: string): string {
  return TYPE_NAMES[typeUrl] ?? typeUrl;
}

function gatewayList(gateways: readonly string[]): string {
  return gateways.length === 0 ? '' : `; gateways served: ${gateways.join(', ')}`;
}

/** `12s ago`, `3m04s ago`: how long a response has waited for its answer. */
function since(iso: string | undefined, now: Date): string {
  if (!iso) return 'at an unknown time';
  const seconds = Math.max(0, Math.round((now.getTime() - Date.parse(iso)) / 1000));
  if (seconds < 60) return `${seconds}s ago`;
  const minutes = Math.floor(seconds / 60);
  return `${minutes}m${String(seconds % 60).padStart(2, '0')}s ago`;
}

function splitGateway(gateway: string): [string, string] {
  const slash = gateway.indexOf('/');
  return slash < 0 ? ['', gateway] : [gateway.slice(0, slash), gateway.slice(slash + 1)];
}
