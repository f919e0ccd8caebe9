/** `google.protobuf.Any` in proto3 JSON: the message's fields next to its `@type`. */
import { TYPE_URL_PREFIX, type Proto3Json } from '@portico/envoy';

export function typedConfig(typeName: string, fields: Proto3Json = {}): Proto3Json {
  return { '@type': TYPE_URL_PREFIX + typeName, ...fields };
}
