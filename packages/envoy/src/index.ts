/** @portico/envoy: the Envoy v3 API (protobufjs), proto3 JSON encode/decode, type URLs, config dumps. */
export { discoveryProtos, envoyProtos, envoyRootFiles } from './load-protos.js';
export { decodeMessage, encodeMessage, EnvoyEncodeError, validateMessage, type Proto3Json } from './codec.js';
export type { EncodeOptions } from './json-encoder.js';
export { BufferWriter } from './buffer-writer.js';
export { assertFieldOrder, enumNumber, fieldHasPresence, fieldTag, fieldTags, lazyRecord } from './field-tag.js';
export { constantJson, isConstantJson } from './constant-json.js';
export { RESOURCE_TYPES, TYPE_URL_PREFIX, TYPE_URLS, typeNameOf, type ResourceKind } from './type-urls.js';
export { configDump, type ConfigDumpSections, type ResourceSnapshot, type VersionedResource } from './config-dump.js';
