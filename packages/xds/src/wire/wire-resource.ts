/**
 * A resource written straight from the IR (issue 15: no Envoy JSON on the hot path): its bytes and
 * the names it references are made by a writer of this folder, and its proto3 JSON only when someone
 * reads `resource` (a config dump, a golden, the CLI). The JSON is not kept: tens of thousands of
 * routes' JSON, read once for a dump, would otherwise stay alive as long as the bytes.
 */
import type { Proto3Json } from '@portico/envoy';
import { withoutBuildCache } from '../build-cache.js';
import type { NamedResource, ReferencedNames } from '../resources.js';

export class WireResource implements NamedResource {
  /**
   * `json` builds the very JSON the bytes encode, with the existing JSON builders, from IR that stays
   * unchanged (the translator never mutates IR it handed out).
   */
  constructor(
    readonly name: string,
    readonly bytes: Uint8Array,
    readonly references: ReferencedNames,
    private readonly json: () => Proto3Json,
  ) {}

  /** A prototype getter: spreading a WireResource loses it, so never spread one. */
  get resource(): Proto3Json {
    // Built outside any build cache: the JSON of a dump must not land in the memos of the builds.
    return withoutBuildCache(this.json);
  }
}
