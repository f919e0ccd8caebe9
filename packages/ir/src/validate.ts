/**
 * Invariants of a GatewayIR that the xDS translator relies on. A violation is a bug in the Gateway API
 * translator (user mistakes become status conditions before they ever reach the IR), so the server
 * refuses to publish an IR that fails here and Envoy keeps the last good configuration.
 */
import { validateAccessLogs, validateTracing } from './validate-observability.js';
import type {
  BackendIR,
  DestinationIR,
  GatewayIR,
  HTTPRouteIR,
  L4RouteIR,
  ListenerIR,
  PathModifierIR,
  RouteMatchIR,
  TLSListenerIR,
  TLSServerIR,
  UpstreamProtocol,
  VirtualHostIR,
} from './types.js';

/** Redirect codes Gateway API allows (`HTTPRequestRedirectFilter.statusCode`) and Envoy can express. */
const REDIRECT_STATUS_CODES: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);
const UPSTREAM_PROTOCOLS: ReadonlySet<string> = new Set(['HTTP', 'HTTP2', 'TCP', 'UDP']);

/** Which upstream protocols each kind of traffic may be sent to. */
const HTTP_UPSTREAMS: readonly UpstreamProtocol[] = ['HTTP', 'HTTP2'];
const TCP_UPSTREAMS: readonly UpstreamProtocol[] = ['TCP'];
const UDP_UPSTREAMS: readonly UpstreamProtocol[] = ['UDP'];

/**
 * Checks every invariant of one gateway's IR and returns one message per violation, each starting with
 * the JSON path of the offending value (`listeners[0].virtualHosts[1].routes[2].redirect.statusCode: …`).
 * An empty array means the IR is valid. Never throws on malformed input.
 */
export function validateGatewayIR(ir: GatewayIR): string[] {
  const errors: string[] = [];
  const report = (path: string, problem: string): void => {
    errors.push(`${path}: ${problem}`);
  };
  if (!ir.name) report('name', 'must not be empty');
  const backends = validateBackends(ir.backends ?? [], report);
  validateListeners(ir.listeners ?? [], backends, report);
  validateTracing(ir.tracing, backends, report);
  validateAccessLogs(ir.accessLogs, backends, report);
  return errors;
}

type Report = (path: string, problem: string) => void;

function isPort(value: unknown): boolean {
  return Number.isInteger(value) && (value as number) >= 1 && (value as number) <= 65535;
}

function validateBackends(backends: BackendIR[], report: Report): Map<string, BackendIR> {
  const byName = new Map<string, BackendIR>();
  backends.forEach((backend, i) => {
    const path = `backends[${i}]`;
    if (byName.has(backend.name)) report(`${path}.name`, `duplicate backend name "${backend.name}"`);
    else byName.set(backend.name, backend);
    if (!UPSTREAM_PROTOCOLS.has(backend.protocol)) {
      report(`${path}.protocol`, `"${backend.protocol}" is not one of HTTP, HTTP2, TCP, UDP`);
    }
    const { namespace, name, port } = backend.service ?? {};
    if (!isPort(port)) report(`${path}.service.port`, `${port} is not a port (1-65535)`);
    // The name is documented as derived from the service port and protocol; a mismatch means two
    // code paths disagree on what a backend is called, and xDS cluster names would drift.
    // A TCP backend that re-encrypts (TLSRoute Terminate + BackendTLSPolicy) is `.../tls`.
    const suffix = backend.protocol === 'TCP' && backend.tls ? 'tls' : String(backend.protocol).toLowerCase();
    const expected = `${namespace}/${name}/${port}/${suffix}`;
    if (backend.name !== expected) report(`${path}.name`, `"${backend.name}" should be "${expected}"`);
    (backend.endpoints ?? []).forEach((endpoint, j) => {
      if (!endpoint.address) report(`${path}.endpoints[${j}].address`, 'must not be empty');
      if (!isPort(endpoint.port)) report(`${path}.endpoints[${j}].port`, `${endpoint.port} is not a port (1-65535)`);
    });
    if (backend.externalName !== undefined) {
      if (!isDnsName(backend.externalName)) report(`${path}.externalName`, `"${backend.externalName}" is not a DNS name`);
      if ((backend.endpoints ?? []).length > 0) report(`${path}.endpoints`, 'must be empty for an ExternalName backend');
    }
    if (backend.tls) {
      if (!backend.tls.sni) report(`${path}.tls.sni`, 'must not be empty');
      if (!backend.tls.caCertificates && !backend.tls.useSystemCAs) {
        report(`${path}.tls`, 'needs caCertificates or useSystemCAs');
      }
      const client = backend.tls.clientCertificate;
      if (client && (!client.certificateChain || !client.privateKey)) report(`${path}.tls.clientCertificate`, 'needs certificateChain and privateKey');
    }
  });
  return byName;
}

/** Envoy binds one socket per port and L4 protocol: HTTP, TLS and TCP listeners all use TCP. */
function socketTransport(listener: ListenerIR): 'tcp' | 'udp' {
  return listener.type === 'UDP' ? 'udp' : 'tcp';
}

function validateListeners(listeners: ListenerIR[], backends: Map<string, BackendIR>, report: Report): void {
  const names = new Map<string, number>();
  const sockets = new Map<string, number>();
  listeners.forEach((listener, i) => {
    const path = `listeners[${i}]`;
    const sameName = names.get(listener.name);
    if (sameName !== undefined) report(`${path}.name`, `duplicate listener name "${listener.name}" (also listeners[${sameName}])`);
    else names.set(listener.name, i);
    if (!isPort(listener.port)) report(`${path}.port`, `${listener.port} is not a port (1-65535)`);
    if (!listener.address) report(`${path}.address`, 'must not be empty');
    const socket = `${listener.port}/${socketTransport(listener)}`;
    const sameSocket = sockets.get(socket);
    if (sameSocket !== undefined) report(path, `port ${socket} is also used by listeners[${sameSocket}]`);
    else sockets.set(socket, i);

    switch (listener.type) {
      case 'HTTP':
        validateRouteTable(listener.virtualHosts ?? [], `${path}.virtualHosts`, undefined, backends, report);
        break;
      case 'TLS':
        validateTLSServers(listener.servers ?? [], path, listener.virtualHosts !== undefined, backends, report);
        if (listener.virtualHosts) validateSharedHTTPSTable(listener, path, backends, report);
        break;
      case 'TCP':
        if (listener.route) validateL4Route(listener.route, `${path}.route`, TCP_UPSTREAMS, backends, report);
        break;
      case 'UDP':
        if (listener.route) validateL4Route(listener.route, `${path}.route`, UDP_UPSTREAMS, backends, report);
        break;
      default:
        report(`${path}.type`, `unknown listener type "${(listener as { type: unknown }).type}"`);
    }
  });
}

/** A TLS port's shared HTTPS table: each `server` tag names one of the port's HTTPS servers. */
function validateSharedHTTPSTable(listener: TLSListenerIR, path: string, backends: Map<string, BackendIR>, report: Report): void {
  const https = new Set((listener.servers ?? []).filter((s) => s.mode === 'HTTPS').map((s) => s.name));
  validateRouteTable(listener.virtualHosts ?? [], `${path}.virtualHosts`, https, backends, report);
}

function validateTLSServers(servers: TLSServerIR[], path: string, sharedTable: boolean, backends: Map<string, BackendIR>, report: Report): void {
  // Two chains with the same SNI match would make Envoy reject the listener. No server at all is valid:
  // the port is bound and connections are closed (like a TCP listener without a route).
  const names = new Set<string>();
  const sni = new Map<string, number>();
  servers.forEach((server, i) => {
    const at = `${path}.servers[${i}]`;
    if (names.has(server.name)) report(`${at}.name`, `duplicate server name "${server.name}"`);
    names.add(server.name);
    const serverNames = server.serverNames ?? [];
    // The empty list is the catch-all chain; it may exist once, like any other SNI value.
    for (const value of serverNames.length === 0 ? ['(any)'] : serverNames) {
      const other = sni.get(value);
      if (other !== undefined && other !== i) report(`${at}.serverNames`, `"${value}" is also served by ${path}.servers[${other}]`);
      else sni.set(value, i);
    }
    if (server.mode === 'HTTPS' || server.mode === 'Terminate') {
      const certificates = server.certificates ?? [];
      if (certificates.length === 0) report(`${at}.certificates`, `needs at least one certificate (mode ${server.mode})`);
      certificates.forEach((certificate, j) => {
        if (!certificate.certificateChain) report(`${at}.certificates[${j}].certificateChain`, 'must not be empty');
        if (!certificate.privateKey) report(`${at}.certificates[${j}].privateKey`, 'must not be empty');
      });
      // An empty trust bundle would make Envoy reject the listener (or, worse, trust nothing and refuse all).
      if (server.clientValidation && !server.clientValidation.caCertificates) report(`${at}.clientValidation.caCertificates`, 'must not be empty');
    }
    switch (server.mode) {
      case 'HTTPS':
        if (sharedTable && (server.virtualHosts ?? []).length > 0) report(`${at}.virtualHosts`, 'must be empty: the servers of this port share the listener\'s table');
        validateRouteTable(server.virtualHosts ?? [], `${at}.virtualHosts`, undefined, backends, report);
        break;
      case 'Terminate':
        if (server.route) validateL4Route(server.route, `${at}.route`, TCP_UPSTREAMS, backends, report);
        break;
      case 'Passthrough':
        if (!server.route) report(`${at}.route`, 'a Passthrough server needs a route');
        else validateL4Route(server.route, `${at}.route`, TCP_UPSTREAMS, backends, report);
        break;
      default:
        report(`${at}.mode`, `unknown TLS server mode "${(server as { mode: unknown }).mode}"`);
    }
  });
}

/**
 * One Envoy RouteConfiguration: virtual host names and domains must be unique across it. `servers`:
 * the HTTPS servers a shared table's hosts may belong to (`server`); undefined for any other table.
 */
function validateRouteTable(hosts: VirtualHostIR[], path: string, servers: ReadonlySet<string> | undefined, backends: Map<string, BackendIR>, report: Report): void {
  const names = new Set<string>();
  const domains = new Map<string, number>();
  hosts.forEach((host, i) => {
    const at = `${path}[${i}]`;
    if (names.has(host.name)) report(`${at}.name`, `duplicate virtual host name "${host.name}"`);
    names.add(host.name);
    if ((host.domains ?? []).length === 0) report(`${at}.domains`, 'a virtual host needs at least one domain');
    for (const domain of host.domains ?? []) {
      const other = domains.get(domain);
      if (other !== undefined) report(`${at}.domains`, `"${domain}" is also a domain of ${path}[${other}]`);
      else domains.set(domain, i);
    }
    // A host belongs to one server of a shared table: 421 is how the other servers' connections refuse it.
    if (host.server !== undefined && !servers) report(`${at}.server`, 'only the shared HTTPS table of a TLS port names servers');
    else if (host.server !== undefined && !servers!.has(host.server)) report(`${at}.server`, `"${host.server}" is not an HTTPS server of this port`);
    (host.routes ?? []).forEach((route, j) => validateHTTPRoute(route, `${at}.routes[${j}]`, backends, report));
  });
}

function validateHTTPRoute(route: HTTPRouteIR, path: string, backends: Map<string, BackendIR>, report: Report): void {
  const actions = (['redirect', 'directResponse', 'destination'] as const).filter((key) => route[key] !== undefined);
  if (actions.length !== 1) {
    const found = actions.length === 0 ? 'none' : actions.join(', ');
    report(path, `needs exactly one of redirect, directResponse, destination (found ${found})`);
  }
  validateMatch(route.match ?? {}, `${path}.match`, report);
  if (route.redirect) {
    const { statusCode, port, path: modifier } = route.redirect;
    if (!REDIRECT_STATUS_CODES.has(statusCode)) report(`${path}.redirect.statusCode`, `${statusCode} is not one of 301, 302, 303, 307, 308`);
    if (port !== undefined && !isPort(port)) report(`${path}.redirect.port`, `${port} is not a port (1-65535)`);
    if (modifier) validatePathModifier(modifier, route.match, `${path}.redirect.path`, report);
  }
  if (route.rewrite?.path) validatePathModifier(route.rewrite.path, route.match, `${path}.rewrite.path`, report);
  // Envoy's RouteAction takes one path rewrite: prefix_rewrite, regex_rewrite or path_rewrite_policy.
  if (route.rewrite?.path && route.rewrite.regexPath) report(`${path}.rewrite`, 'has both path and regexPath: only one path rewrite applies');
  if (route.directResponse) {
    // Envoy's DirectResponseAction.status is constrained to [200, 600).
    const { status } = route.directResponse;
    if (!Number.isInteger(status) || status < 200 || status > 599) report(`${path}.directResponse.status`, `${status} is not an HTTP status (200-599)`);
  }
  if (route.destination) validateDestination(route.destination, `${path}.destination`, HTTP_UPSTREAMS, backends, report);
  (route.mirrors ?? []).forEach((mirror, i) => {
    const at = `${path}.mirrors[${i}]`;
    checkBackendRef(mirror.backend, `${at}.backend`, HTTP_UPSTREAMS, backends, report);
    if (!(mirror.percent >= 0 && mirror.percent <= 100)) report(`${at}.percent`, `${mirror.percent} is not in 0-100`);
  });
  if (route.externalAuth) {
    const auth = route.externalAuth;
    checkBackendRef(auth.backend, `${path}.externalAuth.backend`, HTTP_UPSTREAMS, backends, report);
    if (auth.forwardBodyMaxBytes !== undefined && !(Number.isInteger(auth.forwardBodyMaxBytes) && auth.forwardBodyMaxBytes > 0)) {
      report(`${path}.externalAuth.forwardBodyMaxBytes`, `${auth.forwardBodyMaxBytes} is not a positive integer`);
    }
    if (auth.pathPrefix !== undefined && auth.pathOverride !== undefined) report(`${path}.externalAuth`, 'pathPrefix and pathOverride cannot both be set (Envoy refuses it)');
    if (auth.protocol === 'GRPC' && (auth.pathOverride !== undefined || auth.clientResponseHeaders !== undefined)) report(`${path}.externalAuth`, 'pathOverride and clientResponseHeaders are HTTP only');
    if (auth.timeoutMs !== undefined && !(Number.isInteger(auth.timeoutMs) && auth.timeoutMs > 0)) {
      report(`${path}.externalAuth.timeoutMs`, `${auth.timeoutMs} is not a positive integer`);
    }
  }
  if (route.retry && !(Number.isInteger(route.retry.attempts) && route.retry.attempts >= 0)) {
    report(`${path}.retry.attempts`, `${route.retry.attempts} is not a non-negative integer`);
  }
}

function validateMatch(match: RouteMatchIR, path: string, report: Report): void {
  const pathMatch = match.path;
  if (pathMatch && pathMatch.type !== 'RegularExpression' && !pathMatch.value.startsWith('/')) {
    report(`${path}.path.value`, `"${pathMatch.value}" must start with "/"`);
  }
  match.headers?.forEach((header, i) => {
    if (!header.name) report(`${path}.headers[${i}].name`, 'must not be empty');
  });
  match.queryParams?.forEach((param, i) => {
    if (!param.name) report(`${path}.queryParams[${i}].name`, 'must not be empty');
  });
}

/** Gateway API: ReplacePrefixMatch is only meaningful (and only allowed) with a PathPrefix match. */
function validatePathModifier(modifier: PathModifierIR, match: RouteMatchIR | undefined, path: string, report: Report): void {
  if (modifier.type === 'ReplacePrefixMatch' && match?.path?.type !== 'PathPrefix') {
    report(path, 'ReplacePrefixMatch needs a PathPrefix path match');
  }
}

function validateL4Route(
  route: L4RouteIR,
  path: string,
  protocols: readonly UpstreamProtocol[],
  backends: Map<string, BackendIR>,
  report: Report,
): void {
  if (!route.destination) report(`${path}.destination`, 'is missing');
  else validateDestination(route.destination, `${path}.destination`, protocols, backends, report);
}

function validateDestination(
  destination: DestinationIR,
  path: string,
  protocols: readonly UpstreamProtocol[],
  backends: Map<string, BackendIR>,
  report: Report,
): void {
  const entries = destination.backends ?? [];
  if (entries.length === 0) report(`${path}.backends`, 'a destination needs at least one backend');
  entries.forEach((entry, i) => {
    const at = `${path}.backends[${i}]`;
    if (!Number.isInteger(entry.weight) || entry.weight < 0) report(`${at}.weight`, `${entry.weight} is not a non-negative integer`);
    if ('backend' in entry) checkBackendRef(entry.backend, `${at}.backend`, protocols, backends, report);
    else if (!entry.invalid) report(at, 'needs backend or invalid');
  });
}

function checkBackendRef(
  name: string,
  path: string,
  protocols: readonly UpstreamProtocol[],
  backends: Map<string, BackendIR>,
  report: Report,
): void {
  const backend = backends.get(name);
  if (!backend) report(path, `unknown backend "${name}"`);
  else if (!protocols.includes(backend.protocol)) {
    report(path, `backend "${name}" speaks ${backend.protocol}, expected ${protocols.join(' or ')}`);
  }
}

/** A lowercase RFC 1123 subdomain of at most 253 characters, no trailing dot (IsDNS1123Subdomain). */
function isDnsName(name: string): boolean {
  return name.length <= 253 && name.split('.').every((label) => /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(label));
}
