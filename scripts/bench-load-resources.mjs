#!/usr/bin/env node
/**
 * Times loading + validating one multi-document YAML file (default 1,000 documents: a mix of Gateways,
 * HTTPRoutes, GRPCRoutes, Services, EndpointSlices and Secrets, as a real cluster dump would hold) and
 * prints JSON figures. Needs the built package: `npx tsc -p packages/resources` first.
 *
 *   node scripts/bench-load-resources.mjs [--documents 1000] [--runs 5]
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const documents = arg('--documents', 1000);
const runs = arg('--runs', 5);

const GW = 'gateway.networking.k8s.io/v1';
const docFor = (i) => {
  const ns = `team-${i % 10}`;
  switch (i % 6) {
    case 0:
      return `apiVersion: ${GW}\nkind: Gateway\nmetadata: {name: gw-${i}, namespace: ${ns}}\nspec:\n  gatewayClassName: portico\n  listeners:\n  - {name: http, port: 80, protocol: HTTP}\n  - name: https\n    port: 443\n    protocol: HTTPS\n    hostname: "*.example.com"\n    tls: {certificateRefs: [{name: cert-${i}}]}\n    allowedRoutes: {namespaces: {from: All}}\n`;
    case 1:
      return `apiVersion: ${GW}\nkind: HTTPRoute\nmetadata: {name: route-${i}, namespace: ${ns}, labels: {app: web}}\nspec:\n  parentRefs: [{name: gw-${i - 1}, sectionName: http}]\n  hostnames: [app-${i}.example.com]\n  rules:\n  - matches:\n    - path: {type: PathPrefix, value: /api}\n      headers: [{name: x-version, value: v2}]\n    filters:\n    - type: RequestHeaderModifier\n      requestHeaderModifier: {add: [{name: x-route, value: r${i}}]}\n    backendRefs: [{name: svc-${i}, port: 8080, weight: 90}, {name: svc-${i}-canary, port: 8080, weight: 10}]\n  - backendRefs: [{name: svc-${i}, port: 8080}]\n`;
    case 2:
      return `apiVersion: ${GW}\nkind: GRPCRoute\nmetadata: {name: grpc-${i}, namespace: ${ns}}\nspec:\n  parentRefs: [{name: gw-${i - 2}}]\n  rules:\n  - matches: [{method: {service: echo.Echo, method: Say}}]\n    backendRefs: [{name: svc-${i}, port: 9000}]\n`;
    case 3:
      return `apiVersion: v1\nkind: Service\nmetadata: {name: svc-${i}, namespace: ${ns}}\nspec:\n  selector: {app: web}\n  ports: [{name: http, port: 8080, targetPort: http}, {name: grpc, port: 9000, appProtocol: kubernetes.io/h2c}]\n`;
    case 4:
      return `apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata: {name: svc-${i}-abc, namespace: ${ns}, labels: {kubernetes.io/service-name: svc-${i}}}\naddressType: IPv4\nports: [{name: http, port: 8080}]\nendpoints:\n- {addresses: [10.0.${i % 250}.1], conditions: {ready: true}}\n- {addresses: [10.0.${i % 250}.2], conditions: {ready: true}}\n`;
    default:
      return `apiVersion: v1\nkind: Secret\nmetadata: {name: cert-${i}, namespace: ${ns}}\ntype: kubernetes.io/tls\ndata: {tls.crt: ${Buffer.from(`crt ${i}`).toString('base64')}, tls.key: ${Buffer.from(`key ${i}`).toString('base64')}}\n`;
  }
};

const dir = mkdtempSync(join(tmpdir(), 'portico-bench-'));
const file = join(dir, 'resources.yaml');
writeFileSync(file, Array.from({ length: documents }, (_, i) => docFor(i)).join('---\n'));

try {
  let start = performance.now();
  const { loadResources } = await import('../packages/resources/dist/index.js');
  const importMs = performance.now() - start;
  const times = [];
  let loaded = 0;
  for (let r = 0; r < runs; r++) {
    start = performance.now();
    const result = await loadResources([file]);
    times.push(performance.now() - start);
    loaded = result.objects.length;
  }
  const round = (n) => Math.round(n * 10) / 10;
  const warm = times.slice(1).sort((a, b) => a - b);
  console.log(
    JSON.stringify({
      benchmark: 'load-resources',
      documents,
      loaded,
      importMs: round(importMs),
      // The first run compiles the schemas of the kinds it meets; later runs reuse them.
      firstRunMs: round(times[0]),
      warmMedianMs: warm.length ? round(warm[Math.floor(warm.length / 2)]) : undefined,
    }),
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
