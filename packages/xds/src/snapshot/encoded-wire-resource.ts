/**
 * The EncodedResource of a resource written straight from the IR (wire/wire-resource.ts): its bytes
 * as written, and its JSON still built on demand, by reading the source resource's getter each time
 * (served snapshots are kept for /debug/xds; keeping the JSON there would undo the point).
 */
import type { Proto3Json } from '@portico/envoy';
import type { NamedResource } from '../resources.js';
import type { EncodedResource } from './versions.js';

export class EncodedWireResource implements EncodedResource {
  readonly name: string;

  constructor(
    private readonly source: NamedResource,
    readonly bytes: Uint8Array,
    readonly version: string,
  ) {
    this.name = source.name;
  }

  /** A prototype getter: never spread an EncodedWireResource (name, bytes and version survive, `resource` would not). */
  get resource(): Proto3Json {
    return this.source.resource;
  }
}
