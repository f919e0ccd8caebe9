/**
 * proto3 JSON → protobuf binary in one strict pass, straight into a buffer (buffer-writer.ts).
 *
 * The earlier path (proto3 JSON → protobufjs plain object → `fromObject` → `encode`) walked every
 * message three times and allocated two copies of it; at 10,000 routes it was most of the translation
 * time. This walk writes the wire format directly, from a plan compiled once per message type, and
 * reports what Go's protojson (and so Envoy) would reject: unknown fields, unknown enum values, unknown
 * `@type`s, values of the wrong shape.
 *
 * It also lets callers reuse bytes: when a `cache` is given, a message whose type is in `cacheTypes`
 * is encoded once per JSON object identity and its bytes spliced into every later encoding of a parent
 * (protobuf's length-delimited sub-messages concatenate). Builders that hand back the same object for
 * an unchanged route make re-encoding a 10,000-route table cost a copy, not a re-encode. Objects
 * encoded with a cache must never be mutated afterwards.
 *
 * Messages marked constant (constant-json.ts: deep-frozen, so they cannot change) are encoded once
 * per type for the life of the process, with or without a cache: the sub-messages every cluster
 * shares cost a copy per cluster, in every build.
 */
import protobuf from 'protobufjs';
import { BufferWriter } from './buffer-writer.js';
import { isConstantJson } from './constant-json.js';

/** What the encoder writes through: BufferWriter, or protobufjs's Writer (which buffer-writer.test.ts compares it to). */
export type WireWriter = Pick<
  protobuf.Writer,
  'uint32' | 'int32' | 'sint32' | 'int64' | 'uint64' | 'sint64' | 'bool' | 'fixed32' | 'sfixed32' | 'fixed64' | 'sfixed64' | 'float' | 'double' | 'string' | 'bytes' | 'fork' | 'ldelim' | 'finish'
>;
type Writer = WireWriter;
type Problems = string[];

export interface EncodeOptions {
  /** Where bytes are written; BufferWriter by default (tests compare it with protobufjs's Writer). */
  createWriter?: () => WireWriter;
  /** Encoded bytes per JSON object; filled and used for the types in `cacheTypes`. */
  cache?: WeakMap<object, Uint8Array>;
  /** Fully qualified type names (no leading dot) whose messages are cached. */
  cacheTypes?: ReadonlySet<string>;
}

interface Context extends EncodeOptions {
  out: Problems;
  /**
   * Whether problems carry their field path. Building a path string for every field was a large part
   * of encoding; a first pass runs without them, and only a message with problems is walked again
   * with paths to say where they are.
   */
  paths: boolean;
}

/** `parent.key`, or nothing when paths are off. */
function child(ctx: Context, parent: string, key: string): string {
  return ctx.paths ? (parent ? `${parent}.${key}` : key) : '';
}

function item(ctx: Context, parent: string, index: number | string): string {
  return ctx.paths ? `${parent}[${typeof index === 'number' ? index : JSON.stringify(index)}]` : '';
}

type WriteValue = (w: Writer, value: unknown, path: string, ctx: Context) => void;

interface FieldPlan {
  field: protobuf.Field;
  id: number;
  /** Writes one present value (a list item for repeated fields) including its tag. */
  writeOne: WriteValue;
  /** Whether a default scalar is still written: fields with presence (oneof members, proto3 optional). */
  hasPresence: boolean;
  packed: boolean;
  /** The scalar value writer without a tag (packed lists; validating omitted defaults); undefined for messages. */
  writeScalar?: WriteValue;
}

interface TypePlan {
  type: protobuf.Type;
  /** Bytes of the constant messages (constant-json.ts) encoded as this type: they never change. */
  constants: WeakMap<object, Uint8Array>;
  /** `fullName` without the leading dot. */
  name: string;
  fields: Map<string, FieldPlan>;
  encode: (w: Writer, json: unknown, path: string, ctx: Context) => void;
}

const plans = new WeakMap<protobuf.Type, TypePlan>();

const newBufferWriter = (): WireWriter => BufferWriter.create() as unknown as WireWriter;

/** Encodes `json` as a message of `type`; problems are appended to `out`, the bytes returned regardless. */
export function encodeJson(type: protobuf.Type, json: unknown, out: Problems, options: EncodeOptions = {}): Uint8Array {
  const plan = planOf(type);
  const ctx: Context = { out: [], paths: false, ...options };
  if (ctx.cache && json !== null && typeof json === 'object') {
    const hit = ctx.cache.get(json);
    if (hit) return hit;
  }
  const createWriter = ctx.createWriter ?? newBufferWriter;
  const w = createWriter();
  plan.encode(w, json, '', ctx);
  const bytes = w.finish();
  if (ctx.out.length > 0) {
    // Again, with paths, to say where each problem is (the bytes are not used then).
    plan.encode(createWriter(), json, '', { ...ctx, out, paths: true });
    return bytes;
  }
  if (ctx.cache && json !== null && typeof json === 'object') ctx.cache.set(json, bytes);
  return bytes;
}

function planOf(type: protobuf.Type): TypePlan {
  let plan = plans.get(type);
  if (plan) return plan;
  const name = type.fullName.slice(1);
  plan = { type, name, constants: new WeakMap(), fields: new Map(), encode: () => undefined };
  plans.set(type, plan); // before the fields: recursive types (Struct, Value) refer to themselves
  plan.encode = wellKnownEncoder(name, type) ?? messageEncoder(plan);
  for (const field of type.fieldsArray) {
    field.resolve();
    const fp = fieldPlan(field);
    plan.fields.set(field.name, fp);
    const jsonName = field.options?.json_name as string | undefined;
    if (jsonName) plan.fields.set(jsonName, fp);
    // protobufjs camel-cases only letters after `_` (consecutive_5xx stays consecutive_5xx,
    // enforcing_consecutive_5xx becomes enforcingConsecutive_5xx); proto3 JSON's name drops every `_`
    // (consecutive5xx, enforcingConsecutive5xx), which is what Envoy and go-control-plane print.
    const protoJsonName = field.name.replace(/_(.)/g, (_, c: string) => c.toUpperCase());
    if (protoJsonName !== field.name) plan.fields.set(protoJsonName, fp);
  }
  return plan;
}

function messageEncoder(plan: TypePlan): TypePlan['encode'] {
  return (w, json, path, ctx) => {
    if (json === null || typeof json !== 'object' || Array.isArray(json)) {
      ctx.out.push(`${where(path)}: expected an object for ${plan.name}`);
      return;
    }
    // Canonical order is by field number; JSON key order is whatever the builder wrote. Builders
    // mostly write fields in number order: a first pass only checks that (no arrays made), and such a
    // message is written in one more pass over its keys. A message with unknown fields takes the
    // general path, which reports them before anything nested (the order problems were always in).
    const record = json as Record<string, unknown>;
    if (inFieldOrder(plan, record)) {
      for (const key in record) {
        const fp = plan.fields.get(key)!;
        const value = record[key];
        if (value === null || value === undefined) continue; // proto3 JSON: null means the default value
        writeField(w, fp, value, child(ctx, path, key), ctx);
      }
      return;
    }
    const present: FieldPlan[] = [];
    const keys: string[] = [];
    for (const key in record) {
      const fp = plan.fields.get(key);
      if (!fp) {
        ctx.out.push(`${child(ctx, path, key)}: unknown field of ${plan.name}`);
        continue;
      }
      const value = record[key];
      if (value === null || value === undefined) continue;
      present.push(fp);
      keys.push(key);
    }
    const order = present.map((_, i) => i).sort((a, b) => present[a]!.id - present[b]!.id);
    for (const i of order) writeField(w, present[i]!, record[keys[i]!], child(ctx, path, keys[i]!), ctx);
  };
}

/** Whether every field of `record` is known and the present (non-null) ones come in field-number order. */
function inFieldOrder(plan: TypePlan, record: Record<string, unknown>): boolean {
  let lastId = 0;
  for (const key in record) {
    const fp = plan.fields.get(key);
    if (!fp) return false;
    const value = record[key];
    if (value === null || value === undefined) continue;
    if (fp.id < lastId) return false;
    lastId = fp.id;
  }
  return true;
}

function writeField(w: Writer, fp: FieldPlan, value: unknown, path: string, ctx: Context): void {
  const { field } = fp;
  if (field.map) {
    if (typeof value !== 'object' || Array.isArray(value)) {
      ctx.out.push(`${path}: expected a map`);
      return;
    }
    for (const key in value as object) fp.writeOne(w, [key, (value as Record<string, unknown>)[key]], item(ctx, path, key), ctx);
    return;
  }
  if (field.repeated) {
    if (!Array.isArray(value)) {
      ctx.out.push(`${path}: expected a list`);
      return;
    }
    if (fp.packed) {
      if (value.length === 0) return;
      w.uint32((fp.id << 3) | 2).fork();
      for (let i = 0; i < value.length; i++) fp.writeScalar!(w, value[i], item(ctx, path, i), ctx);
      w.ldelim();
      return;
    }
    for (let i = 0; i < value.length; i++) fp.writeOne(w, value[i], item(ctx, path, i), ctx);
    return;
  }
  if (fp.writeScalar && !fp.hasPresence && isDefault(value, fp.field.type)) {
    fp.writeScalar(NULL_WRITER, value, path, ctx); // still validated
    return;
  }
  fp.writeOne(w, value, path, ctx);
}

function fieldPlan(field: protobuf.Field): FieldPlan {
  const id = field.id;
  const hasPresence = field.partOf !== null && field.partOf !== undefined;
  const resolved = field.resolvedType;
  let writeOne: WriteValue;
  if (field.map) {
    const mapField = field as unknown as protobuf.MapField;
    const keyWrite = scalarWriter(mapField.keyType, null);
    const keyWire = wireType(mapField.keyType, null);
    const valueWrite = valueWriter(2, field.type, resolved);
    writeOne = (w, entry, path, ctx) => {
      const [key, value] = entry as [string, unknown];
      w.uint32((id << 3) | 2).fork();
      w.uint32((1 << 3) | keyWire);
      keyWrite(w, mapKey(mapField.keyType, key), path, ctx);
      if (value !== null && value !== undefined) valueWrite(w, value, path, ctx);
      w.ldelim();
    };
  } else writeOne = valueWriter(id, field.type, resolved);
  const scalar = !(resolved instanceof protobuf.Type) && !field.map;
  const packed = field.repeated && scalar && field.type !== 'string' && field.type !== 'bytes' && field.packed;
  return { field, id, writeOne, hasPresence, packed, ...(scalar ? { writeScalar: scalarWriter(field.type, resolved) } : {}) };
}

/** Tag + value for one field number. */
function valueWriter(id: number, typeName: string, resolved: protobuf.Type | protobuf.Enum | null): WriteValue {
  if (resolved instanceof protobuf.Type) {
    const tag = (id << 3) | 2;
    let plan: TypePlan | undefined;
    return (w, value, path, ctx) => {
      plan ??= planOf(resolved);
      w.uint32(tag);
      writeMessage(w, plan, value, path, ctx);
    };
  }
  const tag = (id << 3) | wireType(typeName, resolved);
  const write = scalarWriter(typeName, resolved);
  return (w, value, path, ctx) => {
    w.uint32(tag);
    write(w, value, path, ctx);
  };
}

/** Length-delimited message body, from the cache when the type is cached or the message a constant. */
function writeMessage(w: Writer, plan: TypePlan, value: unknown, path: string, ctx: Context): void {
  // isFrozen first: a cheap test that fails for nearly every message, before the registry lookup.
  if (value !== null && typeof value === 'object' && Object.isFrozen(value) && isConstantJson(value)) {
    w.bytes(cachedBytes(plan.constants, plan, value, path, ctx));
    return;
  }
  if (ctx.cache && ctx.cacheTypes?.has(plan.name) && value !== null && typeof value === 'object') {
    w.bytes(cachedBytes(ctx.cache, plan, value, path, ctx));
    return;
  }
  w.fork();
  plan.encode(w, value, path, ctx);
  w.ldelim();
}

/**
 * A message's bytes from `cache`, encoded and kept on the first call. Problems are reported each
 * time: a message that is invalid for this type is never cached.
 */
function cachedBytes(cache: WeakMap<object, Uint8Array>, plan: TypePlan, value: object, path: string, ctx: Context): Uint8Array {
  let bytes = cache.get(value);
  if (!bytes) {
    const inner = (ctx.createWriter ?? newBufferWriter)();
    const before = ctx.out.length;
    plan.encode(inner, value, path, ctx);
    bytes = inner.finish();
    if (ctx.out.length === before) cache.set(value, bytes);
  }
  return bytes;
}

function wireType(typeName: string, resolved: protobuf.Type | protobuf.Enum | null): number {
  if (resolved instanceof protobuf.Enum) return 0;
  const wire = (protobuf.types.basic as Record<string, number | undefined>)[typeName];
  if (wire === undefined) throw new Error(`no wire type for ${typeName}`);
  return wire;
}

function mapKey(keyType: string, key: string): unknown {
  if (keyType === 'bool') return key === 'true';
  if (keyType === 'string') return key;
  return key; // integer keys: the scalar writer parses numeric strings
}

const INT32 = new Set(['int32', 'sint32', 'sfixed32']);
const UINT32 = new Set(['uint32', 'fixed32']);
const INT64 = new Set(['int64', 'sint64', 'sfixed64', 'uint64', 'fixed64']);

/** Writes one scalar value (no tag), validating its JSON form. */
function scalarWriter(typeName: string, resolved: protobuf.Type | protobuf.Enum | null): WriteValue {
  if (resolved instanceof protobuf.Enum) {
    const values = resolved.values;
    const enumName = resolved.fullName.slice(1);
    return (w, value, path, ctx) => {
      if (typeof value === 'string') {
        const n = values[value];
        if (n === undefined) ctx.out.push(`${path}: unknown value ${JSON.stringify(value)} of enum ${enumName}`);
        else w.int32(n);
      } else if (typeof value === 'number' && Number.isInteger(value)) w.int32(value);
      else ctx.out.push(`${path}: ${JSON.stringify(value)} is not a value of enum ${enumName}`);
    };
  }
  const method = typeName as keyof Writer;
  if (typeName === 'string') {
    return (w, value, path, ctx) => {
      if (typeof value === 'string') w.string(value);
      else ctx.out.push(`${path}: expected a string`);
    };
  }
  if (typeName === 'bool') {
    return (w, value, path, ctx) => {
      if (typeof value === 'boolean') w.bool(value);
      else ctx.out.push(`${path}: expected true or false`);
    };
  }
  if (typeName === 'bytes') {
    return (w, value, path, ctx) => {
      if (typeof value === 'string') w.bytes(Buffer.from(value, 'base64'));
      else if (value instanceof Uint8Array) w.bytes(value);
      else ctx.out.push(`${path}: expected base64 bytes`);
    };
  }
  if (typeName === 'double' || typeName === 'float') {
    return (w, value, path, ctx) => {
      const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : NaN;
      if (Number.isNaN(n) && value !== 'NaN') ctx.out.push(`${path}: expected a number`);
      else (w[method] as (n: number) => Writer).call(w, n);
    };
  }
  if (INT32.has(typeName) || UINT32.has(typeName)) {
    const [min, max] = UINT32.has(typeName) ? [0, 0xffffffff] : [-0x80000000, 0x7fffffff];
    return (w, value, path, ctx) => {
      const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
      if (!Number.isInteger(n) || n < min || n > max) ctx.out.push(`${path}: ${JSON.stringify(value)} is not a ${typeName}`);
      else (w[method] as (n: number) => Writer).call(w, n);
    };
  }
  if (INT64.has(typeName)) {
    const unsigned = typeName === 'uint64' || typeName === 'fixed64';
    return (w, value, path, ctx) => {
      const ok = typeof value === 'number' ? Number.isInteger(value) && (!unsigned || value >= 0) : typeof value === 'string' && (unsigned ? /^\d+$/ : /^-?\d+$/).test(value);
      if (!ok) ctx.out.push(`${path}: ${JSON.stringify(value)} is not a ${typeName}`);
      else (w[method] as (n: number | string) => Writer).call(w, value as number | string);
    };
  }
  throw new Error(`unsupported scalar type ${typeName}`);
}

const ZERO = 48;
const MINUS = 45;

/**
 * Whether a proto3 scalar of `typeName` holds its default (which proto3 does not write). A number may
 * be given as a string in proto3 JSON (64-bit ones always are), so "0" and "-00" are zero for numeric
 * types; for a string or bytes field only "" is the default: "0" is a value like any other.
 */
function isDefault(value: unknown, typeName: string): boolean {
  if (value === 0 || value === false || value === '') return true;
  if (typeof value !== 'string' || typeName === 'string' || typeName === 'bytes') return false;
  // Only a string starting with 0 or - can match: most are names, tested by their first character.
  const first = value.charCodeAt(0);
  return (first === ZERO || first === MINUS) && /^-?0+$/.test(value);
}

/** A writer that discards: default scalars are validated but not written (proto3 omits them). */
const NULL_WRITER = new Proxy({} as Writer, { get: () => () => NULL_WRITER });

const WRAPPERS = new Set(['BoolValue', 'BytesValue', 'DoubleValue', 'FloatValue', 'Int32Value', 'Int64Value', 'StringValue', 'UInt32Value', 'UInt64Value'].map((n) => `google.protobuf.${n}`));

/** The proto3 JSON mapping of the well-known types, or undefined for an ordinary message. */
function wellKnownEncoder(name: string, type: protobuf.Type): TypePlan['encode'] | undefined {
  if (WRAPPERS.has(name)) {
    const field = type.fieldsById[1]!;
    const validate = scalarWriter(field.type, null);
    const write = valueWriter(1, field.type, null);
    return (w, json, path, ctx) => {
      if (isDefault(json, field.type)) validate(NULL_WRITER, json, path, ctx);
      else write(w, json, path, ctx);
    };
  }
  switch (name) {
    case 'google.protobuf.Any':
      return encodeAny(type);
    case 'google.protobuf.Duration':
      return (w, json, path, ctx) => {
        const m = typeof json === 'string' ? DURATION.exec(json) : null;
        if (!m) return void ctx.out.push(`${where(path)}: ${JSON.stringify(json)} is not a Duration like "1.5s"`);
        const sign = m[1] ? -1 : 1;
        writeSecondsNanos(w, sign * Number(m[2]), sign * Number((m[3] ?? '').padEnd(9, '0')));
      };
    case 'google.protobuf.Timestamp':
      return (w, json, path, ctx) => {
        const ms = typeof json === 'string' ? Date.parse(json) : NaN;
        if (Number.isNaN(ms)) return void ctx.out.push(`${where(path)}: ${JSON.stringify(json)} is not an RFC 3339 Timestamp`);
        writeSecondsNanos(w, Math.floor(ms / 1000), (((ms % 1000) + 1000) % 1000) * 1e6);
      };
    case 'google.protobuf.Struct':
      return (w, json, path, ctx) => {
        if (json === null || typeof json !== 'object' || Array.isArray(json)) return void ctx.out.push(`${where(path)}: expected an object`);
        writeStructFields(w, json as Record<string, unknown>);
      };
    case 'google.protobuf.Value':
      return (w, json) => writeValueBody(w, json);
    case 'google.protobuf.ListValue':
      return (w, json, path, ctx) => {
        if (!Array.isArray(json)) return void ctx.out.push(`${where(path)}: expected a list`);
        for (const item of json) writeValueField(w, 1, item);
      };
    case 'google.protobuf.FieldMask':
      return (w, json, path, ctx) => {
        if (typeof json !== 'string') return void ctx.out.push(`${where(path)}: expected a string`);
        for (const p of json ? json.split(',') : []) w.uint32((1 << 3) | 2).string(p.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`));
      };
    default:
      return undefined;
  }
}

const DURATION = /^(-)?(\d+)(?:\.(\d{1,9}))?s$/;

function writeSecondsNanos(w: Writer, seconds: number, nanos: number): void {
  if (seconds !== 0) w.uint32(1 << 3).int64(seconds);
  if (nanos !== 0) w.uint32(2 << 3).int32(nanos);
}

function writeStructFields(w: Writer, json: Record<string, unknown>): void {
  for (const key in json) {
    w.uint32((1 << 3) | 2).fork();
    w.uint32((1 << 3) | 2).string(key);
    writeValueField(w, 2, json[key]);
    w.ldelim();
  }
}

function writeValueField(w: Writer, id: number, json: unknown): void {
  w.uint32((id << 3) | 2).fork();
  writeValueBody(w, json);
  w.ldelim();
}

/** google.protobuf.Value: null_value 1, number_value 2, string_value 3, bool_value 4, struct_value 5, list_value 6. */
function writeValueBody(w: Writer, json: unknown): void {
  if (json === null) w.uint32(1 << 3).int32(0);
  else if (typeof json === 'number') w.uint32((2 << 3) | 1).double(json);
  else if (typeof json === 'string') w.uint32((3 << 3) | 2).string(json);
  else if (typeof json === 'boolean') w.uint32(4 << 3).bool(json);
  else if (Array.isArray(json)) {
    w.uint32((6 << 3) | 2).fork();
    for (const item of json) writeValueField(w, 1, item);
    w.ldelim();
  } else {
    w.uint32((5 << 3) | 2).fork();
    writeStructFields(w, json as Record<string, unknown>);
    w.ldelim();
  }
}

/** Type URL → type, cached: `lookupType` walks the namespace tree on every call. */
const byUrl = new Map<string, protobuf.Type | null>();

function lookupByUrl(root: protobuf.Root, typeUrl: string): protobuf.Type | null {
  let type = byUrl.get(typeUrl);
  if (type === undefined) {
    try {
      type = root.lookupType(typeUrl.slice(typeUrl.lastIndexOf('/') + 1));
    } catch {
      type = null;
    }
    byUrl.set(typeUrl, type);
  }
  return type;
}

function encodeAny(anyType: protobuf.Type): TypePlan['encode'] {
  return (w, json, path, ctx) => {
    const typeUrl = (json as { '@type'?: unknown } | null)?.['@type'];
    if (typeof typeUrl !== 'string') return void ctx.out.push(`${where(path)}: an Any needs "@type"`);
    const inner = lookupByUrl(anyType.root, typeUrl);
    if (!inner) return void ctx.out.push(`${where(path)}: unknown @type ${typeUrl}`);
    const plan = planOf(inner);
    // A well-known type inside an Any carries its JSON form under "value" (proto3 JSON mapping).
    const record = json as Record<string, unknown>;
    const wellKnown = plan.name.startsWith('google.protobuf.') && plan.name !== 'google.protobuf.Empty';
    let body: unknown;
    if (wellKnown) body = record.value;
    else {
      const rest: Record<string, unknown> = {};
      for (const key in record) if (key !== '@type') rest[key] = record[key];
      body = rest;
    }
    w.uint32((1 << 3) | 2).string(typeUrl);
    w.uint32((2 << 3) | 2);
    writeMessage(w, plan, body, path, ctx);
  };
}

function where(path: string): string {
  return path || '.';
}
