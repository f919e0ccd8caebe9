/** proto3 JSON ⇄ protobuf binary for Envoy messages, checked strictly (proto3-json.ts) on the way in. */
import { toProto3JSON } from 'proto3-json-serializer';
import { envoyProtos } from './load-protos.js';
import { encodeJson, type EncodeOptions } from './json-encoder.js';

/** A message in proto3 JSON form (camelCase fields, Durations as "5s", Anys with "@type"). */
export type Proto3Json = Record<string, unknown>;

export class EnvoyEncodeError extends Error {
  constructor(readonly typeName: string, readonly problems: string[]) {
    super(`${typeName}: ${problems.join('; ')}`);
    this.name = 'EnvoyEncodeError';
  }
}

/** The problems that would make Envoy's JSON parser reject `json` as a `typeName`; empty when none. */
export function validateMessage(typeName: string, json: Proto3Json): string[] {
  const problems: string[] = [];
  encodeJson(envoyProtos().lookupType(typeName), json, problems);
  return problems;
}

/**
 * Encodes a message given in proto3 JSON; throws EnvoyEncodeError on unknown fields or values.
 * With `options.cache`, bytes are reused per object identity (see json-encoder.ts).
 */
export function encodeMessage(typeName: string, json: Proto3Json, options?: EncodeOptions): Uint8Array {
  const problems: string[] = [];
  const bytes = encodeJson(lookupType(typeName), json, problems, options);
  if (problems.length > 0) throw new EnvoyEncodeError(typeName, problems);
  return bytes;
}

/** Type name → type, cached: protobufjs's `lookupType` walks the namespace tree on every call. */
const types = new Map<string, ReturnType<ReturnType<typeof envoyProtos>['lookupType']>>();

function lookupType(typeName: string) {
  let type = types.get(typeName);
  if (!type) types.set(typeName, (type = envoyProtos().lookupType(typeName)));
  return type;
}

/**
 * Decodes binary to proto3 JSON (default values omitted, as Envoy's config dump does), with
 * proto3-json-serializer: an implementation independent of ours, so round trips check both.
 */
export function decodeMessage(typeName: string, bytes: Uint8Array): Proto3Json {
  const type = envoyProtos().lookupType(typeName);
  return toProto3JSON(type.decode(bytes)) as Proto3Json;
}
