/**
 * Which Envoy listener and filter chain take a connection: the listener bound to the request's port,
 * then the filter chain whose `filter_chain_match.server_names` fits the SNI as Envoy's filter chain
 * manager picks it (an exact name, else the most specific `*.` wildcard, found by dropping labels from
 * the left, else a chain without server_names), else the listener's `default_filter_chain`.
 */
import type { ExplainRequest } from './request.js';
import { asArray, asObject, type Json, type XdsView } from './xds-view.js';

export const HTTP_CONNECTION_MANAGER = 'envoy.filters.network.http_connection_manager';
export const TCP_PROXY = 'envoy.filters.network.tcp_proxy';

export interface ChainChoice {
  chain: Json;
  name: string;
  /** The server name that chose it (`*.example.com`), absent for a chain without server_names. */
  serverName?: string;
  /** Whether the chain terminates TLS (has a TLS transport socket). */
  tls: boolean;
}

/** The listener of the port (TCP: UDP listeners carry no HTTP). */
export function listenerForPort(view: XdsView, port: number): Json | undefined {
  return view.listeners.find((l) => {
    const socket = asObject(asObject(l.address).socketAddress);
    return socket.portValue === port && socket.protocol !== 'UDP';
  });
}

export function listenerPort(listener: Json): number | undefined {
  const port = asObject(asObject(listener.address).socketAddress).portValue;
  return typeof port === 'number' ? port : undefined;
}

/** The filter chain a connection with this SNI (none for cleartext) lands on, or undefined: the connection is closed. */
export function selectFilterChain(listener: Json, request: ExplainRequest): ChainChoice | undefined {
  const chains = asArray(listener.filterChains);
  const sni = request.sni?.toLowerCase();
  const named = (chain: Json): string[] => asArray(asObject(chain.filterChainMatch).serverNames).map((n) => String(n).toLowerCase());
  if (sni) {
    const exact = chains.find((c) => named(c).includes(sni));
    if (exact) return choice(exact, chains.indexOf(exact), sni);
    const labels = sni.split('.');
    for (let i = 1; i < labels.length; i++) {
      const wildcard = `*.${labels.slice(i).join('.')}`;
      const hit = chains.find((c) => named(c).includes(wildcard));
      if (hit) return choice(hit, chains.indexOf(hit), wildcard);
    }
  }
  const catchAll = chains.find((c) => named(c).length === 0);
  if (catchAll) return choice(catchAll, chains.indexOf(catchAll));
  if (listener.defaultFilterChain) return choice(asObject(listener.defaultFilterChain), -1);
  return undefined;
}

/** A chain without a name is called by its place: `filter_chains[0]`, or `default_filter_chain` (index -1). */
function choice(chain: Json, index: number, serverName?: string): ChainChoice {
  const socket = asObject(chain.transportSocket);
  return {
    chain,
    name: typeof chain.name === 'string' && chain.name !== '' ? chain.name : index === -1 ? 'default_filter_chain' : `filter_chains[${index}]`,
    ...(serverName === undefined ? {} : { serverName }),
    tls: typeof socket.name === 'string' && socket.name.includes('tls'),
  };
}

/** The chain's network filter of this name, with its typed config. */
export function networkFilter(chain: Json, name: string): Json | undefined {
  const filter = asArray(chain.filters).find((f) => f.name === name);
  return filter ? asObject(filter.typedConfig) : undefined;
}

/** Headers the connection manager sets before routing (early_header_mutation_extensions: header_mutation appends). */
export function earlyHeaderMutations(hcm: Json): { name: string; value: string }[] {
  const out: { name: string; value: string }[] = [];
  for (const extension of asArray(hcm.earlyHeaderMutationExtensions)) {
    for (const mutation of asArray(asObject(extension.typedConfig).mutations)) {
      const header = asObject(asObject(mutation.append).header);
      if (typeof header.key === 'string') out.push({ name: header.key.toLowerCase(), value: String(header.value ?? '') });
    }
  }
  return out;
}

/** The name of the route table a connection manager uses (RDS), or its inline table's. */
export function routeConfigOf(hcm: Json, view: XdsView): { name: string; table?: Json } {
  const inline = asObject(hcm.routeConfig);
  if (typeof inline.name === 'string') return { name: inline.name, table: inline };
  const name = String(asObject(hcm.rds).routeConfigName ?? '');
  const table = view.routeConfigs.get(name);
  return table ? { name, table } : { name };
}
