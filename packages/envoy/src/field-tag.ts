/**
 * Protobuf tags (`field number << 3 | wire type`) of Envoy message fields, looked up by name in the
 * loaded protos: the wire writers never carry a field number of their own, so a field renumbered or
 * renamed upstream fails on the first write instead of writing wrong bytes.
 *
 * Looked up on first use, not when a module is imported: every process that imports @portico/xds
 * (for its names and bootstrap helpers, as `portico serve`'s main thread and `portico version` do)
 * would otherwise parse the whole Envoy API, ~0.3 s and ~8 MiB of heap it never needs.
 */
import protobuf from 'protobufjs';
import { envoyProtos } from './load-protos.js';

/** The tag of `field` (its camelCase name, as protobufjs loads it) of message `typeName`. */
export function fieldTag(typeName: string, field: string): number {
  const f = envoyProtos().lookupType(typeName).fields[field];
  if (!f) throw new Error(`${typeName} has no field ${field}`);
  f.resolve();
  return (f.id << 3) | wireType(f);
}

/**
 * The tags of several fields of one message, by field name, looked up when one is first read. With
 * `ordered`, the fields must have ascending numbers (assertFieldOrder), checked then too.
 */
export function fieldTags<const F extends string>(typeName: string, fields: readonly F[], options: { ordered?: boolean } = {}): Readonly<Record<F, number>> {
  return lazyRecord(fields, () => {
    if (options.ordered) assertFieldOrder(typeName, fields);
    const out = {} as Record<F, number>;
    for (const field of fields) out[field] = fieldTag(typeName, field);
    return out;
  });
}

/**
 * An object with `keys` whose values `make()` gives, called when any key is first read: each key is a
 * getter until then, and a plain read-only value after (so the writers' hot loops read plain fields).
 */
export function lazyRecord<const K extends string, V>(keys: readonly K[], make: () => Record<K, V>): Readonly<Record<K, V>> {
  const record = {} as Record<K, V>;
  const settle = () => {
    const values = make();
    for (const key of keys) Object.defineProperty(record, key, { value: values[key], enumerable: true, writable: false, configurable: false });
  };
  for (const key of keys) {
    Object.defineProperty(record, key, {
      enumerable: true,
      configurable: true,
      get: () => {
        settle();
        return record[key];
      },
    });
  }
  return record;
}

function wireType(f: protobuf.Field): number {
  // Messages, strings, bytes, maps and packed repeated scalars are length-delimited.
  if (f.map || f.resolvedType instanceof protobuf.Type) return 2;
  if (f.resolvedType instanceof protobuf.Enum) return f.repeated && f.packed ? 2 : 0;
  const basic = (protobuf.types.basic as Record<string, number | undefined>)[f.type];
  if (basic === undefined) throw new Error(`no wire type for ${f.type}`);
  return f.repeated && f.packed && basic !== 2 ? 2 : basic;
}

/**
 * Whether `field` of `typeName` is written even when it holds its default: a oneof member or a proto3
 * `optional` field (protobufjs puts both in a oneof), as the JSON encoder writes them.
 */
export function fieldHasPresence(typeName: string, field: string): boolean {
  const f = envoyProtos().lookupType(typeName).fields[field];
  if (!f) throw new Error(`${typeName} has no field ${field}`);
  return f.partOf !== null && f.partOf !== undefined;
}

/** The number of enum value `value` of enum `enumName`. */
export function enumNumber(enumName: string, value: string): number {
  const n = envoyProtos().lookupEnum(enumName).values[value];
  if (n === undefined) throw new Error(`${enumName} has no value ${value}`);
  return n;
}

/**
 * Throws unless `fields` of `typeName` have ascending field numbers: a writer that writes them in this
 * order (protobuf's canonical order, the JSON encoder's) checks its assumption once (fieldTags `ordered`).
 */
export function assertFieldOrder(typeName: string, fields: readonly string[]): void {
  const type = envoyProtos().lookupType(typeName);
  let last = 0;
  for (const name of fields) {
    const f = type.fields[name];
    if (!f) throw new Error(`${typeName} has no field ${name}`);
    if (f.id <= last) throw new Error(`${typeName}.${name} (${f.id}) is not after the fields before it in ${fields.join(', ')}`);
    last = f.id;
  }
}
