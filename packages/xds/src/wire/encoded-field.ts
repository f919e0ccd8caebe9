/**
 * Fields encoded by the JSON encoder itself, for the parts many resources have in common, and what
 * the writers that copy them need.
 */
import { encodeMessage, envoyProtos } from '@portico/envoy';

/**
 * Field `field` of message `typeName` holding proto3 JSON `json`, encoded whole (tag, length and
 * body; nothing for a default value) by the JSON encoder. Protobuf fields are independent and
 * concatenate, so these are the very bytes encoding any such message's JSON writes for that field:
 * a part shared by thousands of resources is encoded once and copied into each (BufferWriter.raw).
 */
export function encodedField(typeName: string, field: string, json: unknown): Uint8Array {
  return encodeMessage(typeName, { [field]: json });
}

/** The number of field `field` (camelCase) of message `typeName`. */
export function fieldNumber(typeName: string, field: string): number {
  const f = envoyProtos().lookupType(typeName).fields[field];
  if (!f) throw new Error(`${typeName} has no field ${field}`);
  return f.id;
}

/** `make()`'s result, made on the first call: tags come from the protos, which are loaded on first use, not on import. */
export function onFirstUse<T>(make: () => T): () => T {
  let value: T | undefined;
  return () => (value ??= make());
}
