// The mixed benchmark input: every kind Portico serves, in proportions a shared cluster ingress might
// have. Of N routes: 63% HTTPRoutes, 15% GRPCRoutes, 12% Ingresses, 6% TLSRoutes, 2% TCPRoutes, 2%
// UDPRoutes (at least one of each), each with its own Service and EndpointSlice.
//
// - Gateway `web`: HTTP on 80, HTTPS on 443 for `*.example.com` (Secret example.com-tls from
//   testdata/certs), TLS passthrough on 8443 for `*.tls.example.net`. HTTPRoutes and GRPCRoutes
//   attach to both HTTP and HTTPS; TLSRoutes to the passthrough listener.
// - Gateways `l4-0`, `l4-1` …: a TCP and a UDP listener per port (a TCP or UDP listener has nothing
//   to tell two routes apart, so each route gets its own), at most 32 of each per Gateway (the CRD
//   allows 64 listeners).
// - Ingresses of IngressClass `portico` (controller portico.dev/ingress-controller): a Prefix and an
//   Exact path each, on 25 hosts; every tenth one on foo.example.org with TLS (Secret
//   foo.example.org-tls), so the synthetic ingress gateway serves both 80 and 443.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import {
  backend,
  createdAt,
  gateway,
  GATEWAY_API,
  gatewayClass,
  httpRoute,
  INGRESS_CONTROLLER,
  listener,
  NAMESPACE,
  parentRef,
  serviceRef,
} from './objects.mjs';

const WEB_GATEWAY = 'web';
const L4_LISTENERS_PER_GATEWAY = 32;
const L4_FIRST_PORT = 10000;
const CERTS = new URL('../testdata/certs/', import.meta.url);

/** How many routes of each kind an N-route mixed input has. */
export function mixedCounts(routes) {
  const share = (fraction) => Math.max(1, Math.round(routes * fraction));
  const counts = { grpc: share(0.15), ingress: share(0.12), tls: share(0.06), tcp: share(0.02), udp: share(0.02) };
  const http = routes - Object.values(counts).reduce((a, b) => a + b, 0);
  if (http < 1) throw new Error(`the mixed scenario needs at least 7 routes, not ${routes}`);
  return { http, ...counts };
}

export function generateMixedObjects(routes) {
  const counts = mixedCounts(routes);
  const objects = [gatewayClass(), webGateway(), ...l4Gateways(counts.tcp, counts.udp), ingressClass(), secret('secret-example.com.yaml'), secret('secret-foo.example.org.yaml')];
  let created = 0;
  for (let i = 0; i < counts.http; i++) objects.push(mixedHttpRoute(`http-${i}`, i, counts.http, created++), ...backend(`http-svc-${i}`, i));
  for (let i = 0; i < counts.grpc; i++) objects.push(grpcRoute(i, counts.grpc, created++), ...backend(`grpc-svc-${i}`, 10_000 + i, { port: 9090, targetPort: 9090, appProtocol: 'kubernetes.io/h2c' }));
  for (let i = 0; i < counts.ingress; i++) objects.push(ingress(i), ...backend(`ing-svc-${i}`, 20_000 + i));
  for (let i = 0; i < counts.tls; i++) objects.push(tlsRoute(i, created++), ...backend(`tls-svc-${i}`, 30_000 + i, { port: 443, targetPort: 8443 }));
  for (let i = 0; i < counts.tcp; i++) objects.push(l4Route('TCPRoute', 'tcp', i, created++), ...backend(`tcp-svc-${i}`, 40_000 + i, { port: 5432, targetPort: 5432 }));
  for (let i = 0; i < counts.udp; i++) objects.push(l4Route('UDPRoute', 'udp', i, created++), ...backend(`udp-svc-${i}`, 50_000 + i, { port: 53, targetPort: 5353, protocol: 'UDP' }));
  return objects;
}

/** The mixed workload: its objects, and new HTTPRoutes on gateway `web` for churn. */
export function mixedWorkload(routes) {
  const { http } = mixedCounts(routes);
  return { scenario: 'mixed', routes, objects: generateMixedObjects(routes), churnRoute: (name, i) => mixedHttpRoute(name, i, http, i) };
}

function webGateway() {
  return gateway(WEB_GATEWAY, [
    listener('http', 'HTTP', 80),
    listener('https', 'HTTPS', 443, { hostname: '*.example.com', tls: { mode: 'Terminate', certificateRefs: [{ group: '', kind: 'Secret', name: 'example.com-tls' }] } }),
    listener('passthrough', 'TLS', 8443, { hostname: '*.tls.example.net', tls: { mode: 'Passthrough' } }),
  ]);
}

function l4Gateways(tcp, udp) {
  const gateways = [];
  for (let g = 0; g * L4_LISTENERS_PER_GATEWAY < Math.max(tcp, udp); g++) {
    const listeners = [];
    for (let j = g * L4_LISTENERS_PER_GATEWAY; j < (g + 1) * L4_LISTENERS_PER_GATEWAY; j++) {
      if (j < tcp) listeners.push(listener(`tcp-${j}`, 'TCP', L4_FIRST_PORT + j));
      if (j < udp) listeners.push(listener(`udp-${j}`, 'UDP', L4_FIRST_PORT + j));
    }
    gateways.push(gateway(`l4-${g}`, listeners));
  }
  return gateways;
}

function mixedHttpRoute(name, i, count, created) {
  return httpRoute({ name, gatewayName: WEB_GATEWAY, hostname: `app-${i % 20}.example.com`, tenant: i % 7, created, services: [`http-svc-${i % count}`, `http-svc-${(i + 1) % count}`] });
}

/** One method of its own service, for callers of one tenant header; 90/10 over two backends. */
function grpcRoute(i, count, created) {
  return {
    apiVersion: GATEWAY_API,
    kind: 'GRPCRoute',
    metadata: { name: `grpc-${i}`, namespace: NAMESPACE, creationTimestamp: createdAt(created) },
    spec: {
      parentRefs: [parentRef(WEB_GATEWAY)],
      hostnames: [`grpc-${i % 5}.example.com`],
      rules: [
        {
          matches: [{ method: { type: 'Exact', service: `bench.v1.Service${i}`, method: 'Get' }, headers: [{ type: 'Exact', name: 'x-tenant', value: `t${i % 7}` }] }],
          backendRefs: [serviceRef(`grpc-svc-${i}`, 9090, 90), serviceRef(`grpc-svc-${(i + 1) % count}`, 9090, 10)],
        },
      ],
    },
  };
}

function tlsRoute(i, created) {
  return {
    apiVersion: GATEWAY_API,
    kind: 'TLSRoute',
    metadata: { name: `tls-${i}`, namespace: NAMESPACE, creationTimestamp: createdAt(created) },
    spec: { parentRefs: [parentRef(WEB_GATEWAY, 'passthrough')], hostnames: [`db-${i}.tls.example.net`], rules: [{ backendRefs: [serviceRef(`tls-svc-${i}`, 443, 1)] }] },
  };
}

/** A TCPRoute or UDPRoute on listener `<prefix>-<i>` of its L4 gateway. */
function l4Route(kind, prefix, i, created) {
  const port = kind === 'UDPRoute' ? 53 : 5432;
  return {
    apiVersion: 'gateway.networking.k8s.io/v1alpha2',
    kind,
    metadata: { name: `${prefix}-${i}`, namespace: NAMESPACE, creationTimestamp: createdAt(created) },
    spec: {
      parentRefs: [parentRef(`l4-${Math.floor(i / L4_LISTENERS_PER_GATEWAY)}`, `${prefix}-${i}`)],
      rules: [{ backendRefs: [serviceRef(`${prefix}-svc-${i}`, port, 1)] }],
    },
  };
}

function ingressClass() {
  return { apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass', metadata: { name: 'portico' }, spec: { controller: INGRESS_CONTROLLER } };
}

function ingress(i) {
  const tls = i % 10 === 0;
  const host = tls ? 'foo.example.org' : `site-${i % 25}.example.org`;
  const to = { service: { name: `ing-svc-${i}`, port: { number: 8080 } } };
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name: `ing-${i}`, namespace: NAMESPACE },
    spec: {
      ingressClassName: 'portico',
      ...(tls ? { tls: [{ hosts: [host], secretName: 'foo.example.org-tls' }] } : {}),
      rules: [
        {
          host,
          http: {
            paths: [
              { path: `/ing-${i}`, pathType: 'Prefix', backend: to },
              { path: `/ing-${i}/health`, pathType: 'Exact', backend: to },
            ],
          },
        },
      ],
    },
  };
}

/** A test certificate's Secret (public test keys, testdata/certs/README.md). */
function secret(file) {
  return parse(readFileSync(new URL(file, CERTS), 'utf8'));
}
