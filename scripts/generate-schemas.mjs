#!/usr/bin/env node
/**
 * Generates packages/resources/schemas/gateway-api.json from the Gateway API CRDs: one JSON schema per
 * kind/version, the `openAPIV3Schema` of each served version of each gateway.networking.k8s.io CRD and of
 * the gateway.networking.x-k8s.io CRDs listed in X_KINDS, and of Portico's own policy CRDs
 * (charts/portico/crds/gateway.portico.dev_*.yaml, the single source of truth for those kinds).
 *
 *   node scripts/generate-schemas.mjs [--crds DIR] [--portico-crds DIR] [--out FILE] [--check]
 *
 * --crds  CRD folder (default ../shared/crds/gateway-api-v1.7.0/experimental from the repo root, the release
 *         the chart ships: the experimental channel is a superset of standard, so its schemas accept every
 *         standard-channel object).
 * --portico-crds  folder of Portico's gateway.portico.dev CRDs (default charts/portico/crds).
 * --check exit 1, naming what differs, if FILE is not what this script would write (used by the tests).
 *
 * To keep the committed file small, `description` is dropped; everything that shapes validation or defaulting
 * is kept as is, including the CEL rules (`x-kubernetes-validations`, evaluated by packages/resources/src/cel/)
 * with only the fields the API server reads from a rule.
 */
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const DEFAULT_CRDS = resolve(REPO_ROOT, '../shared/crds/gateway-api-v1.7.0/experimental');
const DEFAULT_OUT = join(REPO_ROOT, 'packages/resources/schemas/gateway-api.json');
const GROUP = 'gateway.networking.k8s.io';
/** Kinds of the experimental x-k8s.io group Portico reads (the group also holds kinds it does not). */
const X_GROUP = 'gateway.networking.x-k8s.io';
const X_KINDS = new Set(['XBackendTrafficPolicy', 'XTelemetryPolicy']);
/** Portico's own API group: every CRD of it in the chart is read. */
const PORTICO_GROUP = 'gateway.portico.dev';
const DEFAULT_PORTICO_CRDS = join(REPO_ROOT, 'charts/portico/crds');
const DROPPED_KEYWORDS = new Set(['description']);
/** The fields of an `x-kubernetes-validations` rule the API server reads (ValidationRule in apiextensions/v1). */
const RULE_FIELDS = ['rule', 'message', 'messageExpression', 'fieldPath', 'reason', 'optionalOldSelf'];
/** Keywords whose value is a map of field name → schema (the names are data, not keywords). */
const SCHEMA_MAPS = new Set(['properties', 'patternProperties', 'definitions']);
/** Keywords whose value is literal data that must not be rewritten. */
const LITERALS = new Set(['default', 'enum', 'example', 'const', 'required', 'x-kubernetes-list-map-keys']);
/** Keywords under which Kubernetes forbids `default` (structural schema rule). */
const VALUE_VALIDATIONS = new Set(['anyOf', 'oneOf', 'allOf', 'not']);

/** A CEL rule with only the fields that shape its evaluation and message. */
function compactRule(rule) {
  return Object.fromEntries(RULE_FIELDS.filter((f) => rule[f] !== undefined).map((f) => [f, rule[f]]));
}

/** Drops descriptions; walks only schema positions so a field named `description` stays. */
function compactSchema(schema, where, insideValueValidation = false) {
  if (Array.isArray(schema)) return schema.map((s, i) => compactSchema(s, `${where}[${i}]`, insideValueValidation));
  if (schema === null || typeof schema !== 'object') return schema;
  if (insideValueValidation && 'default' in schema) {
    // ajv's useDefaults ignores defaults under anyOf/oneOf; the API server forbids them there anyway.
    throw new Error(`${where}: default inside a value validation is not supported`);
  }
  const out = {};
  for (const [key, value] of Object.entries(schema)) {
    if (DROPPED_KEYWORDS.has(key)) continue;
    const inside = insideValueValidation || VALUE_VALIDATIONS.has(key);
    if (LITERALS.has(key)) out[key] = value;
    else if (key === 'x-kubernetes-validations') out[key] = value.map(compactRule);
    else if (SCHEMA_MAPS.has(key)) {
      out[key] = Object.fromEntries(
        Object.entries(value).map(([name, s]) => [name, compactSchema(s, `${where}.${name}`, inside)]),
      );
    } else out[key] = compactSchema(value, `${where}/${key}`, inside);
  }
  return out;
}

/** Reads every CRD of the Gateway API group in `crdsDir` and returns the schema file's content. */
export function generateSchemas(crdsDir, porticoCrdsDir = DEFAULT_PORTICO_CRDS) {
  const schemas = {};
  let bundleVersion;
  let channel;
  const files = readdirSync(crdsDir).filter((f) => /\.ya?ml$/.test(f)).sort();
  for (const file of files) {
    for (const crd of crdsOf(join(crdsDir, file))) {
      if (crd.spec?.group !== GROUP && !(crd.spec?.group === X_GROUP && X_KINDS.has(crd.spec?.names?.kind))) continue;
      const annotations = crd.metadata?.annotations ?? {};
      bundleVersion ??= annotations['gateway.networking.k8s.io/bundle-version'];
      channel ??= annotations['gateway.networking.k8s.io/channel'];
      addVersions(schemas, crd);
    }
  }
  if (Object.keys(schemas).length === 0) throw new Error(`${crdsDir}: no ${GROUP} CRDs found`);
  const porticoFiles = readdirSync(porticoCrdsDir).filter((f) => f.startsWith(`${PORTICO_GROUP}_`) && /\.ya?ml$/.test(f)).sort();
  for (const file of porticoFiles) {
    for (const crd of crdsOf(join(porticoCrdsDir, file))) if (crd.spec?.group === PORTICO_GROUP) addVersions(schemas, crd);
  }
  const sorted = Object.fromEntries(Object.entries(schemas).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return { bundleVersion, channel, schemas: sorted };
}

/** The CustomResourceDefinitions of one YAML file. */
function crdsOf(path) {
  const crds = [];
  for (const doc of parseAllDocuments(readFileSync(path, 'utf8'))) {
    if (doc.errors.length > 0) throw new Error(`${path}: ${doc.errors[0].message}`);
    const crd = doc.toJS();
    if (crd?.kind === 'CustomResourceDefinition') crds.push(crd);
  }
  return crds;
}

/** One schema per served version, keyed `<kind>/<version>`. */
function addVersions(schemas, crd) {
  for (const version of crd.spec.versions) {
    if (!version.served) continue;
    const key = `${crd.spec.names.kind}/${version.name}`;
    schemas[key] = compactSchema(version.schema.openAPIV3Schema, key);
  }
}

/** One schema per line: small, yet a CRD upgrade still shows as a per-kind diff. */
export function formatSchemaFile(content) {
  const lines = Object.entries(content.schemas).map(([key, s]) => `    ${JSON.stringify(key)}: ${JSON.stringify(s)}`);
  return (
    `{\n  "bundleVersion": ${JSON.stringify(content.bundleVersion)},\n` +
    `  "channel": ${JSON.stringify(content.channel)},\n` +
    `  "schemas": {\n${lines.join(',\n')}\n  }\n}\n`
  );
}

function main(argv) {
  const arg = (name, fallback) => {
    const i = argv.indexOf(name);
    return i >= 0 && argv[i + 1] ? resolve(argv[i + 1]) : fallback;
  };
  const crds = arg('--crds', DEFAULT_CRDS);
  const out = arg('--out', DEFAULT_OUT);
  const text = formatSchemaFile(generateSchemas(crds, arg('--portico-crds', DEFAULT_PORTICO_CRDS)));
  if (!argv.includes('--check')) {
    writeFileSync(out, text);
    console.log(`wrote ${out} (${text.length} bytes) from ${crds}`);
    return 0;
  }
  let current = '';
  try {
    current = readFileSync(out, 'utf8');
  } catch {
    console.error(`${out} is missing; run node scripts/generate-schemas.mjs`);
    return 1;
  }
  if (current === text) return 0;
  const want = text.split('\n');
  const have = new Set(current.split('\n'));
  const stale = want.filter((l) => !have.has(l)).map((l) => l.trim().slice(0, 60));
  console.error(`${out} is out of date (differs at: ${stale.join(' | ')}); run node scripts/generate-schemas.mjs`);
  return 1;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = main(process.argv.slice(2));
}
