/**
 * A HeaderModifierIR's additions and removals as the repeated HeaderValueOption / string fields of a
 * Route or a ClusterWeight: the same entries, in the same order, that route-filters.ts
 * headerMutations puts in the JSON (set before add; `host` and pseudo-headers left out, a request
 * Host becoming a host rewrite instead), written without making them.
 */
import { BufferWriter, enumNumber, fieldTags, lazyRecord } from '@portico/envoy';
import type { HeaderModifierIR } from '@portico/ir';
import { writeString } from './wire-fields.js';

const OPTION = fieldTags('envoy.config.core.v3.HeaderValueOption', ['header', 'appendAction']);
const HEADER = fieldTags('envoy.config.core.v3.HeaderValue', ['key', 'value']);
const APPEND_ACTION = 'envoy.config.core.v3.HeaderValueOption.HeaderAppendAction';
/** HTTPHeaderFilter set replaces every value, add appends one (route-filters.ts headerMutations). */
const ACTIONS = lazyRecord(['overwrite', 'append'], () => ({
  overwrite: enumNumber(APPEND_ACTION, 'OVERWRITE_IF_EXISTS_OR_ADD'),
  append: enumNumber(APPEND_ACTION, 'APPEND_IF_EXISTS_OR_ADD'),
}));

export type Direction = 'request' | 'response';

/** Envoy refuses changes to `host` and `:`-pseudo-headers in these lists (route-filters.ts). */
function modifiable(name: string): boolean {
  return !name.startsWith(':') && name.toLowerCase() !== 'host';
}

function isRequestHost(name: string, direction: Direction): boolean {
  return direction === 'request' && name.toLowerCase() === 'host';
}

/** The Host a request modifier sets or adds (the last one wins, as in headerMutations); undefined when none. */
export function requestHost(modifier: HeaderModifierIR | undefined): string | undefined {
  // Asked several times per route (its action, each backend): no list made per call.
  if (!modifier) return undefined;
  return lastHost(modifier.add, lastHost(modifier.set, undefined));
}

function lastHost(list: HeaderModifierIR['set'], host: string | undefined): string | undefined {
  for (const { name, value } of list ?? []) if (isRequestHost(name, 'request')) host = value;
  return host;
}

/** One HeaderValueOption per set/add entry kept, each under `tag`. */
export function writeHeaderAdds(w: BufferWriter, tag: number, modifier: HeaderModifierIR | undefined, direction: Direction): void {
  if (!modifier) return;
  writeOptions(w, tag, modifier.set, direction, ACTIONS.overwrite);
  writeOptions(w, tag, modifier.add, direction, ACTIONS.append);
}

function writeOptions(w: BufferWriter, tag: number, list: HeaderModifierIR['set'], direction: Direction, appendAction: number): void {
  for (const { name, value } of list ?? []) {
    if (isRequestHost(name, direction) || !modifiable(name)) continue;
    w.uint32(tag).fork();
    w.uint32(OPTION.header).fork();
    writeString(w, HEADER.key, name);
    writeString(w, HEADER.value, value);
    w.ldelim();
    // Written even for the zero value: the JSON names it ("APPEND_IF_EXISTS_OR_ADD"), and the JSON
    // encoder leaves out only a default spelled as one (0, "", false), so the bytes carry it too.
    w.uint32(OPTION.appendAction).uint32(appendAction);
    w.ldelim();
  }
}

/** One string per removed header kept, each under `tag`. */
export function writeHeaderRemoves(w: BufferWriter, tag: number, modifier: HeaderModifierIR | undefined): void {
  // A repeated string keeps its empty items: the JSON encoder writes every element of a list.
  for (const name of modifier?.remove ?? []) if (modifiable(name)) w.uint32(tag).string(name);
}
