#!/usr/bin/env node
/**
 * What the CRDs' CEL rules cost when loading: loads examples/ and a generated file of HTTPRoutes (default
 * 1,000, each with several rules, matches, filters and backends, so most of the HTTPRoute rules run),
 * then times the CEL rules alone on the loaded (defaulted) objects. `withoutCelMs` is the load minus that
 * share. Prints JSON figures. Needs the built package: `npx tsc -p packages/resources` first.
 *
 *   node scripts/bench-cel-rules.mjs [--routes 1000] [--runs 5]
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const routes = arg('--routes', 1000);
const runs = arg('--runs', 5);

const route = (i) => `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: route-${i}, namespace: team-${i % 10}}
spec:
  parentRefs: [{name: gw, namespace: infra, sectionName: http}, {name: gw, namespace: infra, sectionName: https}]
  hostnames: [app-${i}.example.com]
  rules:
  - matches:
    - path: {type: PathPrefix, value: /api/v${i % 3}}
      headers: [{name: x-version, value: v2}]
    filters:
    - type: RequestHeaderModifier
      requestHeaderModifier: {add: [{name: x-route, value: r${i}}]}
    - type: URLRewrite
      urlRewrite: {path: {type: ReplacePrefixMatch, replacePrefixMatch: /v2}}
    backendRefs: [{name: svc-${i}, port: 8080, weight: 90}, {name: svc-${i}-canary, port: 8080, weight: 10}]
    timeouts: {request: 10s, backendRequest: 2s}
  - matches: [{path: {type: Exact, value: /old-${i}}}]
    filters:
    - type: RequestRedirect
      requestRedirect: {path: {type: ReplaceFullPath, replaceFullPath: /new-${i}}, statusCode: 301}
  - backendRefs: [{name: svc-${i}, port: 8080}]
`;

const round = (n) => Math.round(n * 10) / 10;
const median = (xs) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};

const dir = mkdtempSync(join(tmpdir(), 'portico-bench-cel-'));
const routesFile = join(dir, 'routes.yaml');
writeFileSync(routesFile, Array.from({ length: routes }, (_, i) => route(i)).join('---\n'));

try {
  const { loadResources, KINDS, parseApiVersion } = await import('../packages/resources/dist/index.js');
  const { validationSchema } = await import('../packages/resources/dist/validation/schema-validator.js');
  const { validateCelRules } = await import('../packages/resources/dist/cel/validate-cel-rules.js');

  /** Loads `inputs` `runs` times; then runs only the CEL rules over the loaded objects as many times. */
  async function measure(name, inputs) {
    const load = [];
    let objects = [];
    for (let r = 0; r < runs; r++) {
      const start = performance.now();
      objects = (await loadResources(inputs)).objects;
      load.push(performance.now() - start);
    }
    const withRules = objects.filter((o) => KINDS[o.kind].group === 'gateway.networking.k8s.io');
    const byKind = new Map();
    const schemaOf = (o) => {
      const key = `${o.kind}/${parseApiVersion(o.apiVersion).version}`;
      if (!byKind.has(key)) byKind.set(key, validationSchema(o.kind, parseApiVersion(o.apiVersion).version));
      return byKind.get(key);
    };
    const schemas = withRules.map(schemaOf);
    const cel = [];
    for (let r = 0; r < runs; r++) {
      const start = performance.now();
      withRules.forEach((o, i) => {
        if (validateCelRules(o, schemas[i])) throw new Error(`${o.kind} ${o.metadata.name} fails a rule`);
      });
      cel.push(performance.now() - start);
    }
    const loadMs = median(load.slice(1));
    const celMs = median(cel);
    return {
      input: name,
      objects: objects.length,
      gatewayApiObjects: withRules.length,
      firstLoadMs: round(load[0]),
      loadMs: round(loadMs),
      celMs: round(celMs),
      withoutCelMs: round(loadMs - celMs),
      celShare: Math.round((100 * celMs) / loadMs) / 100,
    };
  }

  console.log(
    JSON.stringify({
      benchmark: 'cel-rules',
      runs,
      results: [await measure('examples/', [join(ROOT, 'examples')]), await measure(`${routes} HTTPRoutes`, [routesFile])],
    }),
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
