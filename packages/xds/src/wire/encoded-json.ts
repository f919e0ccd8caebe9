/**
 * The wire writers' exact fallback: a message in a shape no direct writer covers is its JSON, made by
 * the existing builder and encoded by the JSON encoder (so its bytes are always right), with the names
 * the consistency walk finds in it. The JSON is then dropped, and built again only when read.
 */
import { encodeMessage, type Proto3Json } from '@portico/envoy';
import { withoutBuildCache } from '../build-cache.js';
import type { NamedResource, ReferencedNames } from '../resources.js';
import { WireResource } from './wire-resource.js';

/** An encoded message with the names it references. */
export interface WireMessage {
  bytes: Uint8Array;
  references: ReferencedNames;
}

/** `json` as a `typeName`, encoded, with what `walk` (a consistency walk) finds in it. */
export function encodedJson(typeName: string, json: Proto3Json, walk: (json: Proto3Json) => ReferencedNames): WireMessage {
  // The walk runs outside the build cache: the JSON is dropped right away, it must not stay a memo's key.
  return { bytes: encodeMessage(typeName, json), references: withoutBuildCache(() => walk(json)) };
}

/** A resource encoded from the JSON `build` makes, which builds it again whenever it is read. */
export function encodedJsonResource(typeName: string, name: string, build: () => Proto3Json, walk: (json: Proto3Json) => ReferencedNames): NamedResource {
  const { bytes, references } = encodedJson(typeName, build(), walk);
  return new WireResource(name, bytes, references, build);
}
