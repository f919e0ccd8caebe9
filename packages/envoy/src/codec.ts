/** proto3 JSON ⇄ protobuf binary for Envoy messages, checked strictly (strict-json.ts) on the way in. */
import { fromProto3JSON, toProto3JSON, type JSONObject } from 'proto3-json-serializer';
import { envoyProtos } from './load-protos.js';
import { proto3JsonProblems } from './strict-json.js';

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
  return proto3JsonProblems(envoyProtos().lookupType(typeName), json);
}

/** Encodes a message given in proto3 JSON; throws EnvoyEncodeError on unknown fields or values. */
export function encodeMessage(typeName: string, json: Proto3Json): Uint8Array {
  const type = envoyProtos().lookupType(typeName);
  const problems = proto3JsonProblems(type, json);
  if (problems.length > 0) throw new EnvoyEncodeError(typeName, problems);
  const message = fromProto3JSON(type, json as JSONObject);
  if (!message) throw new EnvoyEncodeError(typeName, ['could not be converted']);
  return type.encode(message).finish();
}

/** Decodes binary to proto3 JSON (default values omitted, as Envoy's config dump does). */
export function decodeMessage(typeName: string, bytes: Uint8Array): Proto3Json {
  const type = envoyProtos().lookupType(typeName);
  return toProto3JSON(type.decode(bytes)) as Proto3Json;
}
