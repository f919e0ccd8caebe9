/**
 * The filter chains of a TLS port: one per server, chosen by SNI (`filter_chain_match.server_names`,
 * read by the tls_inspector listener filter). HTTPS servers terminate TLS and route HTTP; TLSRoute
 * servers terminate and proxy TCP, or pass the TLS stream through untouched.
 */
import type { CertificateIR, ClientValidationIR, GatewayIR, TLSListenerIR, TLSServerIR, TracingIR, RateLimitServiceIR } from '@portico/ir';
import type { Proto3Json } from '@portico/envoy';
import { httpConnectionManagerFilter } from './http-connection-manager.js';
import { accessLogPolicyFor } from './access-log.js';
import { externalAuthServices } from './ext-authz.js';
import { securityFilterSet } from './security-filters.js';
import { tcpProxyFilter } from './listener-l4.js';
import { certificateSecretName, HTTPS_SERVER_HEADER, httpsRouteConfigName, httpsSharedRouteConfigName } from '../names.js';
import type { NamedResource } from '../resources.js';
import { buildRouteConfiguration } from '../routes/route-configuration.js';
import { certificateSdsConfig, certificateSecrets } from '../secrets.js';
import { typedConfig } from '../typed-config.js';

export const TLS_INSPECTOR_FILTER = 'envoy.filters.listener.tls_inspector';
const TLS_TRANSPORT_SOCKET = 'envoy.transport_sockets.tls';

export interface TLSFilterChains {
  filterChains: Proto3Json[];
  routes: NamedResource[];
  secrets: NamedResource[];
}

/** The tls_inspector listener filter, which reads the SNI (and ALPN) of the ClientHello. */
export function tlsInspectorListenerFilter(): Proto3Json {
  return { name: TLS_INSPECTOR_FILTER, typedConfig: typedConfig('envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector') };
}

export function tlsFilterChains(gateway: GatewayIR, listener: TLSListenerIR, accessLog: boolean): TLSFilterChains {
  const out: TLSFilterChains = { filterChains: [], routes: [], secrets: [] };
  const secrets = new Map<string, NamedResource>();
  // Envoy rejects the whole listener for a server TLS context without a certificate; the translator
  // never produces one, and if it did, losing one SNI beats losing the port.
  const usable = listener.servers.filter((s) => s.mode === 'Passthrough' || s.certificates.length > 0);
  const claimed = claimServerNames(usable);
  const shared = sharedHTTPSTable(gateway, listener, claimed);
  if (shared) out.routes.push(shared.routeConfig);
  for (const { server, serverNames } of claimed) {
    const statPrefix = statPrefixOf(`${listener.name}-${server.name}`);
    const chain: Proto3Json = { name: server.name };
    // No filter_chain_match at all is Envoy's catch-all; it loses to every chain naming the SNI.
    if (serverNames.length > 0) chain.filterChainMatch = { serverNames };
    if (server.mode === 'Passthrough') {
      chain.filters = [tcpProxyFilter(gateway, statPrefix, server.route, accessLog)];
    } else {
      chain.transportSocket = downstreamTlsTransportSocket(server.certificates, server.mode === 'HTTPS' ? server.alpn : [], server.clientValidation);
      for (const s of certificateSecrets(server.certificates)) secrets.set(s.name, s);
      if (server.mode === 'HTTPS' && shared) {
        const routingHeader = shared.serverHeader ? { name: shared.serverHeader, value: server.name } : undefined;
        const externalAuths = externalAuthServices(listener.virtualHosts ?? []);
        const security = securityFilterSet(listener.virtualHosts ?? []);
        chain.filters = [httpConnectionManagerFilter({ statPrefix, routeConfig: shared.routeConfig, accessLog, externalAuths, security, ...(routingHeader ? { routingHeader } : {}), ...tracingOf(gateway), ...rateLimitServiceOf(gateway), ...accessLogPolicyFor(gateway, [server.source]) })];
      } else if (server.mode === 'HTTPS') {
        const routeConfig = buildRouteConfiguration(httpsRouteConfigName(gateway, listener, server), server.virtualHosts, {
          port: listener.port,
          tls: true,
          ...spanNameOf(gateway),
        });
        out.routes.push(routeConfig);
        chain.filters = [httpConnectionManagerFilter({ statPrefix, routeConfig, accessLog, externalAuths: externalAuthServices(server.virtualHosts), security: securityFilterSet(server.virtualHosts), ...tracingOf(gateway), ...rateLimitServiceOf(gateway), ...accessLogPolicyFor(gateway, [server.source]) })];
      } else {
        chain.filters = [tcpProxyFilter(gateway, statPrefix, server.route, accessLog)];
      }
    }
    out.filterChains.push(chain);
  }
  out.secrets = [...secrets.values()];
  return out;
}

/**
 * The route table the HTTPS servers of the port share (TLSListenerIR.virtualHosts), when it has one and
 * an HTTPS chain uses it. With two or more HTTPS chains, each chain's connection manager names its
 * server in HTTPS_SERVER_HEADER and a host owned by another server answers 421 (route-configuration.ts);
 * with one, no request can be misdirected and the table routes as is.
 */
function sharedHTTPSTable(gateway: GatewayIR, listener: TLSListenerIR, claimed: ClaimedServer[]): { routeConfig: NamedResource; serverHeader?: string } | undefined {
  if (!listener.virtualHosts) return undefined;
  const https = claimed.filter((c) => c.server.mode === 'HTTPS').length;
  if (https === 0) return undefined;
  const serverHeader = https > 1 ? HTTPS_SERVER_HEADER : undefined;
  const routeConfig = buildRouteConfiguration(httpsSharedRouteConfigName(gateway, listener), listener.virtualHosts, {
    port: listener.port,
    tls: true,
    ...(serverHeader ? { serverHeader } : {}),
    ...spanNameOf(gateway),
  });
  return { routeConfig, ...(serverHeader ? { serverHeader } : {}) };
}

/** The Gateway's rate-limit service for its connection managers, when a route has global limits. */
export function rateLimitServiceOf(gateway: GatewayIR): { rateLimitService?: RateLimitServiceIR } {
  return gateway.rateLimitService ? { rateLimitService: gateway.rateLimitService } : {};
}

/** The Gateway's tracing for its connection managers (XTelemetryPolicy), when it has one. */
function tracingOf(gateway: GatewayIR): { tracing?: TracingIR } {
  return gateway.tracing ? { tracing: gateway.tracing } : {};
}

function spanNameOf(gateway: GatewayIR): { spanName?: string } {
  return gateway.tracing?.spanName ? { spanName: gateway.tracing.spanName } : {};
}

/**
 * `envoy.transport_sockets.tls` with a DownstreamTlsContext whose certificates come over SDS (see
 * secrets.ts for why). TLS 1.2 is the minimum (Envoy's server default still accepts 1.0); the
 * maximum stays Envoy's default, TLS 1.3. ALPN is offered only for HTTPS: a terminated TLSRoute
 * proxies opaque bytes, so it must not claim `h2`.
 */
export function downstreamTlsTransportSocket(certificates: CertificateIR[], alpn: string[], clientValidation?: ClientValidationIR): Proto3Json {
  const sds = new Map<string, Proto3Json>();
  for (const c of certificates) sds.set(certificateSecretName(c), certificateSdsConfig(c));
  const commonTlsContext: Proto3Json = {
    tlsParams: { tlsMinimumProtocolVersion: 'TLSv1_2' },
    tlsCertificateSdsSecretConfigs: [...sds.values()],
  };
  if (alpn.length > 0) commonTlsContext.alpnProtocols = alpn;
  const context: Proto3Json = { commonTlsContext };
  if (clientValidation) {
    commonTlsContext.validationContext = clientValidationContext(clientValidation);
    context.requireClientCertificate = clientValidation.mode === 'AllowValidOnly';
  }
  return {
    name: TLS_TRANSPORT_SOCKET,
    typedConfig: typedConfig('envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext', context),
  };
}

/**
 * The trusted CAs, inline: public certificates, no key material (unlike the server certificates, sent
 * over SDS). GEP-91 AllowValidOnly: `require_client_certificate` (set by the caller), so a handshake
 * without a certificate fails, and the default VERIFY_TRUST_CHAIN, so one that does not chain to these
 * CAs fails too. AllowInsecureFallback: a certificate is still asked for, but its absence is let
 * through and ACCEPT_UNTRUSTED lets an unverified one through as well ("the gateway will accept
 * connections even if the client certificate is not presented or fails verification").
 */
function clientValidationContext(validation: ClientValidationIR): Proto3Json {
  const context: Proto3Json = { trustedCa: { inlineString: validation.caCertificates } };
  if (validation.mode === 'AllowInsecureFallback') context.trustChainVerification = 'ACCEPT_UNTRUSTED';
  return context;
}

interface ClaimedServer {
  server: TLSServerIR;
  serverNames: string[];
}

/**
 * Envoy rejects the whole listener when two filter chains have the same match ("multiple filter
 * chains with the same matching rules"). The IR lists servers most specific first and the
 * translator reports SNI conflicts, but if two servers still claim an SNI (or two are catch-alls),
 * the first keeps it and a later server keeps only the names nobody claimed before it; a server
 * left with none is dropped. A duplicate chain name is made unique, as Envoy keys chains by name.
 */
function claimServerNames(servers: TLSServerIR[]): ClaimedServer[] {
  const claimed = new Set<string>();
  const names = new Set<string>();
  let catchAll = false;
  const out: ClaimedServer[] = [];
  for (const server of servers) {
    let serverNames: string[];
    if (server.serverNames.length === 0) {
      if (catchAll) continue;
      catchAll = true;
      serverNames = [];
    } else {
      serverNames = [...new Set(server.serverNames)].filter((n) => !claimed.has(n.toLowerCase()));
      if (serverNames.length === 0) continue;
      for (const n of serverNames) claimed.add(n.toLowerCase());
    }
    let name = server.name;
    for (let i = 2; names.has(name); i++) name = `${server.name}#${i}`;
    names.add(name);
    out.push({ server: name === server.name ? server : { ...server, name }, serverNames });
  }
  return out;
}

/** Stat prefixes become dot-separated stat names: keep them to one segment. */
export function statPrefixOf(name: string): string {
  return name.replace(/[^A-Za-z0-9_-]/g, '_');
}
