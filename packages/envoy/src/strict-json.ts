/**
 * Checks a proto3 JSON value against a protobufjs type before encoding. protobufjs (and
 * proto3-json-serializer) silently drop unknown fields, so a misspelled field would vanish from
 * the config Envoy gets; Go's protojson (and so Envoy's own tooling) rejects it. This check gives the
 * same answer in-process: unknown fields, unknown enum values and unknown `@type`s are errors.
 */
import protobuf from 'protobufjs';

/** Well-known types whose JSON form is not an object of their fields (proto3 JSON mapping). */
const SCALAR_JSON_TYPES = new Set([
  '.google.protobuf.Duration',
  '.google.protobuf.Timestamp',
  '.google.protobuf.FieldMask',
  '.google.protobuf.BoolValue',
  '.google.protobuf.BytesValue',
  '.google.protobuf.DoubleValue',
  '.google.protobuf.FloatValue',
  '.google.protobuf.Int32Value',
  '.google.protobuf.Int64Value',
  '.google.protobuf.StringValue',
  '.google.protobuf.UInt32Value',
  '.google.protobuf.UInt64Value',
  '.google.protobuf.Struct',
  '.google.protobuf.Value',
  '.google.protobuf.ListValue',
]);

export function proto3JsonProblems(type: protobuf.Type, value: unknown, path = ''): string[] {
  const problems: string[] = [];
  checkMessage(type, value, path, problems);
  return problems;
}

function checkMessage(type: protobuf.Type, value: unknown, path: string, out: string[]): void {
  const fullName = type.fullName;
  if (SCALAR_JSON_TYPES.has(fullName)) return;
  if (fullName === '.google.protobuf.Any') return checkAny(type, value, path, out);
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    out.push(`${path || '.'}: expected an object for ${fullName.slice(1)}`);
    return;
  }
  for (const [key, v] of Object.entries(value)) {
    const field = type.fields[key] ?? Object.values(type.fields).find((f) => f.options?.json_name === key || f.name === key);
    if (!field) {
      out.push(`${join(path, key)}: unknown field of ${fullName.slice(1)}`);
      continue;
    }
    field.resolve();
    const fieldPath = join(path, key);
    if (field.map) {
      if (v === null || typeof v !== 'object') out.push(`${fieldPath}: expected a map`);
      else for (const [k, item] of Object.entries(v)) checkValue(field, item, `${fieldPath}[${JSON.stringify(k)}]`, out);
    } else if (field.repeated) {
      if (!Array.isArray(v)) out.push(`${fieldPath}: expected a list`);
      else v.forEach((item, i) => checkValue(field, item, `${fieldPath}[${i}]`, out));
    } else checkValue(field, v, fieldPath, out);
  }
}

function checkValue(field: protobuf.Field, value: unknown, path: string, out: string[]): void {
  const resolved = field.resolvedType;
  if (resolved instanceof protobuf.Type) checkMessage(resolved, value, path, out);
  else if (resolved instanceof protobuf.Enum) {
    if (typeof value === 'string' && !(value in resolved.values)) out.push(`${path}: unknown value ${JSON.stringify(value)} of enum ${resolved.fullName.slice(1)}`);
  }
}

function checkAny(anyType: protobuf.Type, value: unknown, path: string, out: string[]): void {
  const typeUrl = (value as { '@type'?: unknown } | null)?.['@type'];
  if (typeof typeUrl !== 'string') {
    out.push(`${path || '.'}: an Any needs "@type"`);
    return;
  }
  let inner: protobuf.Type;
  try {
    inner = anyType.root.lookupType(typeUrl.slice(typeUrl.lastIndexOf('/') + 1));
  } catch {
    out.push(`${path || '.'}: unknown @type ${typeUrl}`);
    return;
  }
  const { '@type': _ignored, ...rest } = value as Record<string, unknown>;
  // Well-known types inside an Any are written as {"@type": ..., "value": <their JSON form>}.
  if (SCALAR_JSON_TYPES.has(inner.fullName)) return;
  checkMessage(inner, rest, path, out);
}

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}
