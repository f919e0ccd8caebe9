/**
 * proto3 JSON → the plain object protobufjs's generated `fromObject` takes, in one strict pass.
 *
 * protobufjs does not speak the proto3 JSON mapping (Durations as "5s", Anys with "@type", wrappers as
 * bare values) and proto3-json-serializer, which does, silently drops unknown fields and is the
 * slowest step of encoding. This walk does both jobs at once: it converts the well-known types and
 * reports what Go's protojson (and so Envoy's tooling) would reject: unknown fields, unknown enum
 * values, unknown `@type`s, values of the wrong shape.
 */
import protobuf from 'protobufjs';

type Problems = string[];

/** Per type: JSON key (field name or json_name) → field. Built once per type. */
const fieldMaps = new WeakMap<protobuf.Type, Map<string, protobuf.Field>>();

function fieldsByJsonKey(type: protobuf.Type): Map<string, protobuf.Field> {
  let map = fieldMaps.get(type);
  if (!map) {
    map = new Map();
    for (const field of type.fieldsArray) {
      field.resolve();
      map.set(field.name, field);
      const jsonName = field.options?.json_name as string | undefined;
      if (jsonName) map.set(jsonName, field);
    }
    fieldMaps.set(type, map);
  }
  return map;
}

/**
 * How a type's JSON is read, cached per type: protobufjs computes `fullName` by walking the parent
 * chain on every access, which dominated encoding time.
 */
type JsonKind = 'message' | 'wrapper' | string;
const kinds = new WeakMap<protobuf.Type, JsonKind>();

function jsonKind(type: protobuf.Type): JsonKind {
  let kind = kinds.get(type);
  if (kind === undefined) {
    const name = type.fullName;
    kind = WRAPPERS.has(name) ? 'wrapper' : name.startsWith('.google.protobuf.') ? name : 'message';
    kinds.set(type, kind);
  }
  return kind;
}

const WRAPPERS = new Set(['BoolValue', 'BytesValue', 'DoubleValue', 'FloatValue', 'Int32Value', 'Int64Value', 'StringValue', 'UInt32Value', 'UInt64Value'].map((n) => `.google.protobuf.${n}`));

/** Converts `json` (a message of `type`) for `type.fromObject`; problems are appended to `out`. */
export function convertMessage(type: protobuf.Type, json: unknown, path: string, out: Problems): unknown {
  const kind = jsonKind(type);
  if (kind === 'wrapper') return { value: json };
  switch (kind) {
    case '.google.protobuf.Any':
      return convertAny(type, json, path, out);
    case '.google.protobuf.Duration':
      return convertDuration(json, path, out);
    case '.google.protobuf.Timestamp':
      return convertTimestamp(json, path, out);
    case '.google.protobuf.Struct':
      return convertStruct(json, path, out);
    case '.google.protobuf.Value':
      return convertValue(json);
    case '.google.protobuf.ListValue':
      return Array.isArray(json) ? { values: json.map(convertValue) } : (out.push(`${where(path)}: expected a list`), {});
    case '.google.protobuf.FieldMask':
      return typeof json === 'string' ? { paths: json ? json.split(',') : [] } : (out.push(`${where(path)}: expected a string`), {});
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    out.push(`${where(path)}: expected an object for ${type.fullName.slice(1)}`);
    return {};
  }
  const fields = fieldsByJsonKey(type);
  const result: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(json)) {
    const field = fields.get(key);
    const fieldPath = path ? `${path}.${key}` : key;
    if (!field) {
      out.push(`${fieldPath}: unknown field of ${type.fullName.slice(1)}`);
      continue;
    }
    if (value === null) continue; // proto3 JSON: null means the default value
    if (field.map) {
      if (typeof value !== 'object' || Array.isArray(value)) out.push(`${fieldPath}: expected a map`);
      else result[field.name] = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, convertField(field, v, `${fieldPath}[${JSON.stringify(k)}]`, out)]));
    } else if (field.repeated) {
      if (!Array.isArray(value)) out.push(`${fieldPath}: expected a list`);
      else result[field.name] = value.map((v, i) => convertField(field, v, `${fieldPath}[${i}]`, out));
    } else result[field.name] = convertField(field, value, fieldPath, out);
  }
  return result;
}

function convertField(field: protobuf.Field, value: unknown, path: string, out: Problems): unknown {
  const resolved = field.resolvedType;
  if (resolved instanceof protobuf.Type) return convertMessage(resolved, value, path, out);
  if (resolved instanceof protobuf.Enum) {
    if (typeof value === 'string' && !(value in resolved.values)) out.push(`${path}: unknown value ${JSON.stringify(value)} of enum ${resolved.fullName.slice(1)}`);
    return value;
  }
  return value; // scalars: fromObject parses numbers, int64 strings and base64 bytes itself
}

function convertAny(anyType: protobuf.Type, json: unknown, path: string, out: Problems): unknown {
  const typeUrl = (json as { '@type'?: unknown } | null)?.['@type'];
  if (typeof typeUrl !== 'string') {
    out.push(`${where(path)}: an Any needs "@type"`);
    return {};
  }
  let inner: protobuf.Type;
  try {
    inner = lookupByUrl(anyType, typeUrl);
  } catch {
    out.push(`${where(path)}: unknown @type ${typeUrl}`);
    return {};
  }
  const { '@type': _typeUrl, ...rest } = json as Record<string, unknown>;
  // A well-known type inside an Any carries its JSON form under "value" (proto3 JSON mapping).
  const innerKind = jsonKind(inner);
  const body = innerKind !== 'message' && innerKind !== '.google.protobuf.Empty' && 'value' in rest && Object.keys(rest).length === 1 ? rest.value : rest;
  const converted = convertMessage(inner, body, path, out);
  // protobufjs names Any's fields as its bundled descriptor does (`type_url`, not camelCase): ask it.
  const [urlField, valueField] = [anyType.fieldsById[1]!.name, anyType.fieldsById[2]!.name];
  return { [urlField]: typeUrl, [valueField]: inner.encode(inner.fromObject(converted as Record<string, unknown>)).finish() };
}

/** Type URL → type, cached: `root` and `lookupType` walk the namespace tree on every call. */
const byUrl = new Map<string, protobuf.Type>();

function lookupByUrl(anyType: protobuf.Type, typeUrl: string): protobuf.Type {
  let type = byUrl.get(typeUrl);
  if (!type) {
    type = anyType.root.lookupType(typeUrl.slice(typeUrl.lastIndexOf('/') + 1));
    byUrl.set(typeUrl, type);
  }
  return type;
}

const DURATION = /^(-)?(\d+)(?:\.(\d{1,9}))?s$/;

function convertDuration(json: unknown, path: string, out: Problems): unknown {
  const m = typeof json === 'string' ? DURATION.exec(json) : null;
  if (!m) {
    out.push(`${where(path)}: ${JSON.stringify(json)} is not a Duration like "1.5s"`);
    return {};
  }
  const sign = m[1] ? -1 : 1;
  return { seconds: sign * Number(m[2]), nanos: sign * Number((m[3] ?? '').padEnd(9, '0')) };
}

function convertTimestamp(json: unknown, path: string, out: Problems): unknown {
  const ms = typeof json === 'string' ? Date.parse(json) : NaN;
  if (Number.isNaN(ms)) {
    out.push(`${where(path)}: ${JSON.stringify(json)} is not an RFC 3339 Timestamp`);
    return {};
  }
  return { seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1e6 };
}

function convertStruct(json: unknown, path: string, out: Problems): unknown {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    out.push(`${where(path)}: expected an object`);
    return {};
  }
  return { fields: Object.fromEntries(Object.entries(json).map(([k, v]) => [k, convertValue(v)])) };
}

function convertValue(json: unknown): unknown {
  if (json === null) return { nullValue: 'NULL_VALUE' };
  if (typeof json === 'number') return { numberValue: json };
  if (typeof json === 'string') return { stringValue: json };
  if (typeof json === 'boolean') return { boolValue: json };
  if (Array.isArray(json)) return { listValue: { values: json.map(convertValue) } };
  return { structValue: { fields: Object.fromEntries(Object.entries(json as object).map(([k, v]) => [k, convertValue(v)])) } };
}

function where(path: string): string {
  return path || '.';
}
