/**
 * A long list that crosses threads without one long step on the receiving one: the sender
 * `v8.serialize`s it slice by slice into one ArrayBuffer (transferred, not copied), and the receiver
 * deserializes one slice per turn of its event loop. Posted as objects, the whole list would be
 * deserialized in one go when the message is read (a structured clone is read whole), and messages
 * already queued are all read in one turn too, so neither smaller messages nor more of them would help.
 */
import { deserialize, serialize } from 'node:v8';
import { setImmediate as nextTurn } from 'node:timers/promises';

export interface SerializedSlices {
  /** The slices one after another; transferred with the message. */
  buffer: ArrayBuffer;
  /** Where each slice ends in `buffer`. */
  ends: number[];
}

/** `items` serialized `perSlice` at a time into one buffer. */
export function serializeInSlices<T>(items: readonly T[], perSlice: number): SerializedSlices {
  const slices: Uint8Array[] = [];
  for (let i = 0; i < items.length; i += perSlice) slices.push(serialize(items.slice(i, i + perSlice)));
  const ends: number[] = [];
  let total = 0;
  for (const slice of slices) ends.push((total += slice.byteLength));
  const into = new Uint8Array(total);
  slices.forEach((slice, i) => into.set(slice, i === 0 ? 0 : ends[i - 1]!));
  return { buffer: into.buffer, ends };
}

/**
 * The items back, each slice deserialized in a turn of its own (the first in the caller's turn).
 * `stillWanted` is asked before each further slice: false stops (resolves undefined), for a reader
 * whose sender went away meanwhile.
 */
export async function deserializeInSlices<T>(packed: SerializedSlices, stillWanted: () => boolean = () => true): Promise<T[] | undefined> {
  const items: T[] = [];
  let start = 0;
  for (const [i, end] of packed.ends.entries()) {
    if (i > 0) {
      await nextTurn();
      if (!stillWanted()) return undefined;
    }
    for (const item of deserialize(new Uint8Array(packed.buffer, start, end - start)) as T[]) items.push(item);
    start = end;
  }
  return items;
}
