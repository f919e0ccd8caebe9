/**
 * Validates a document against its kind's schema and applies the schema defaults, the way the API
 * server does for `kubectl apply`: Gateway API kinds use their CRD's `openAPIV3Schema`, core kinds the
 * hand-written schemas in core-schemas.ts. Validators are compiled on first use per kind/version and
 * cached, so loading a few kinds never pays for compiling all of them.
 */
import { isIPv4, isIPv6 } from 'node:net';
import { Ajv, type SchemaObject, type ValidateFunction } from 'ajv';
import { validateCelRules } from '../cel/validate-cel-rules.js';
import { CORE_PATTERN_HINTS, CORE_SCHEMAS } from './core-schemas.js';
import { gatewayApiSchema } from './gateway-api-schemas.js';
import { findDuplicateListItem } from './list-type-validation.js';
import type { FieldPathSegment } from '../loading/errors.js';
import type { Kind } from '../model/kinds.js';
import { objectMetaSchema, PATTERN_HINTS, type NameRule } from './object-meta-schema.js';
import { explainSchemaErrors, type SchemaViolation } from './schema-errors.js';
import { pruneUnknownFields, type UnknownField } from './unknown-fields.js';

/** Why an object fails a check of validateKubernetesRules: the field, and the API server's error body. */
export interface KubernetesRuleViolation {
  path: FieldPathSegment[];
  detail: string;
}

interface KindValidator {
  applyDefaults: ValidateFunction;
  validate: ValidateFunction;
  /** The schema whose CEL rules (`x-kubernetes-validations`) are evaluated: the validated one. */
  schema: SchemaObject;
}

const HINTS = { ...PATTERN_HINTS, ...CORE_PATTERN_HINTS };

/** ObjectMeta name rules per kind (apimachinery validation); every other kind uses DNS subdomains. */
const NAME_RULES: Partial<Record<Kind, NameRule>> = { Service: 'rfc1035-label', Namespace: 'label' };

/** x-kubernetes-* keywords ajv has nothing to do with: list/map semantics, and CEL rules (cel/). */
const IGNORED_KUBERNETES_KEYWORDS = [
  'x-kubernetes-list-type',
  'x-kubernetes-list-map-keys',
  'x-kubernetes-map-type',
  'x-kubernetes-validations',
  'x-kubernetes-preserve-unknown-fields',
  'x-kubernetes-embedded-resource',
];

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

let ajv: Ajv | undefined;
const validators = new Map<string, KindValidator>();

function createAjv(): Ajv {
  const instance = new Ajv({
    strict: false,
    allErrors: false,
    useDefaults: true,
    // Errors carry their schema and data, so messages can list alternatives and show the bad value.
    verbose: true,
    // The API server ignores formats it does not know; so do we, without a warning per schema.
    logger: { log() {}, warn() {}, error: console.error },
    // Skips ajv's code optimisation pass: compiling is then 2-3x faster and validating no slower.
    code: { optimize: false },
    // The schemas are ours (core-schemas.ts) or the CRDs we ship; checking each against JSON Schema's
    // meta-schema cost a third of compiling (~150 ms of `portico translate`'s start). A test checks them all.
    validateSchema: false,
  });
  instance.addFormat('int32', { type: 'number', validate: (n) => Number.isInteger(n) && n >= -(2 ** 31) && n < 2 ** 31 });
  instance.addFormat('int64', { type: 'number', validate: (n) => Number.isInteger(n) });
  instance.addFormat('date-time', RFC3339);
  instance.addFormat('ipv4', { type: 'string', validate: (s) => isIPv4(s) });
  instance.addFormat('ipv6', { type: 'string', validate: (s) => isIPv6(s) });
  // Go's base64 decoder (used for []byte fields) skips line breaks.
  instance.addFormat('byte', { type: 'string', validate: (s) => BASE64.test(s.replace(/[\r\n]/g, '')) });
  instance.addKeyword({
    keyword: 'x-kubernetes-int-or-string',
    schemaType: 'boolean',
    errors: false,
    validate: (enabled: boolean, data: unknown) => !enabled || typeof data === 'string' || Number.isInteger(data),
  });
  instance.addVocabulary(IGNORED_KUBERNETES_KEYWORDS);
  return instance;
}

/**
 * Only the parts of a schema that place defaults (`properties`/`items`/`additionalProperties` and
 * `default`), or undefined if it places none. The API server applies every default before it
 * validates; ajv applies a level's defaults only after that level's anyOf/oneOf ran (e.g. Gateway
 * `spec.addresses[].type` would be defaulted to IPAddress after the oneOf that checks the value is an IP
 * had passed). A separate defaulting pass restores the API server's order.
 */
export function defaultsOnly(schema: SchemaObject): SchemaObject | undefined {
  const out: SchemaObject = {};
  if ('default' in schema) out.default = schema.default;
  if (schema.properties) {
    const properties: Record<string, SchemaObject> = {};
    for (const [name, sub] of Object.entries(schema.properties as Record<string, SchemaObject>)) {
      const d = defaultsOnly(sub);
      if (d) properties[name] = d;
    }
    if (Object.keys(properties).length > 0) out.properties = properties;
  }
  for (const key of ['items', 'additionalProperties'] as const) {
    const sub: unknown = schema[key];
    if (sub && typeof sub === 'object' && !Array.isArray(sub)) {
      const d = defaultsOnly(sub as SchemaObject);
      if (d) out[key] = d;
    }
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/**
 * The schema a kind/version is validated against: the kind's schema with `metadata` checked and `status`
 * left out. Every watched kind has a status subresource, so the API server ignores the status sent with
 * an object rather than validating it; and Portico computes status, it does not read it. (Skipping it
 * also halves the compile time of Gateway and route schemas.)
 */
export function validationSchema(kind: Kind, version: string): SchemaObject | undefined {
  const base = baseSchema(kind, version);
  if (!base) return undefined;
  const { status: _status, ...properties } = (base.properties ?? {}) as Record<string, SchemaObject>;
  return {
    ...base,
    type: 'object',
    properties: { ...properties, metadata: objectMetaSchema(NAME_RULES[kind] ?? 'subdomain') },
  };
}

const baseSchema = (kind: Kind, version: string): SchemaObject | undefined =>
  CORE_SCHEMAS[kind] ?? gatewayApiSchema(kind, version);

function validatorFor(kind: Kind, version: string): KindValidator | undefined {
  const key = `${kind}/${version}`;
  let v = validators.get(key);
  if (!v) {
    const base = baseSchema(kind, version);
    const schema = validationSchema(kind, version);
    if (!base || !schema) return undefined;
    ajv ??= createAjv();
    // Defaults come from the whole schema, status included: a Gateway read back from the API server has
    // the CRD's `Pending` status conditions until a controller writes its own.
    v = { applyDefaults: ajv.compile(defaultsOnly(base) ?? {}), validate: ajv.compile(schema), schema };
    validators.set(key, v);
  }
  return v;
}

/**
 * Applies the schema defaults of `kind`/`version` to `object` (in place) and validates it against the
 * schema. Returns why it is invalid, or undefined when it is valid. Throws only if Portico has no schema
 * for the pair, which is a programming error: every kind in KINDS has one.
 */
export function validateResource(object: Record<string, unknown>, kind: Kind, version: string): SchemaViolation | undefined {
  const v = validatorFor(kind, version);
  if (!v) throw new Error(`no schema for ${kind}/${version}`);
  v.applyDefaults(object);
  if (v.validate(object)) return undefined;
  const violation = explainSchemaErrors(v.validate.errors ?? [], object, HINTS);
  return kind === 'Secret' ? withoutValue(violation) : violation;
}

/**
 * What the API server checks beyond a JSON schema, on an object that passed validateResource (so
 * defaulted), in its order: list-type uniqueness (`x-kubernetes-list-type: set|map`), then the CRD's CEL
 * rules (`x-kubernetes-validations`). Returns the first violation, in the API server's words, or undefined.
 */
export function validateKubernetesRules(object: Record<string, unknown>, kind: Kind, version: string): KubernetesRuleViolation | undefined {
  const v = validatorFor(kind, version);
  if (!v) return undefined;
  return findDuplicateListItem(object, v.schema) ?? validateCelRules(object, v.schema);
}

/**
 * Drops (in place) the fields of a Gateway API object its CRD schema does not declare, as the API
 * server prunes them, and returns them. Core kinds are left whole: their hand-written schemas cover
 * only the fields Portico reads. `metadata` and `status` are not Portico's to prune (see validationSchema).
 */
export function pruneUnknownResourceFields(object: Record<string, unknown>, kind: Kind, version: string): UnknownField[] {
  if (CORE_SCHEMAS[kind]) return [];
  const schema = gatewayApiSchema(kind, version);
  if (!schema) return [];
  const properties = { ...(schema.properties as Record<string, SchemaObject>), metadata: {}, status: {} };
  return pruneUnknownFields(object, { ...schema, properties });
}

/**
 * A Secret's values must not reach logs or /debug/status through an error message: keep what was
 * expected, drop the "(got …)" quote of what was found.
 */
function withoutValue(violation: SchemaViolation): SchemaViolation {
  return { ...violation, detail: violation.detail.replace(/ \(got .*\)$/s, ' (value not shown: Secret)') };
}
