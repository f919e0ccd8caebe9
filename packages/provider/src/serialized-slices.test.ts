import { describe, expect, it } from '@jest/globals';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { deserializeInSlices, serializeInSlices } from './serialized-slices.js';

describe('serialized slices', () => {
  const items = Array.from({ length: 7 }, (_, i) => [`key${i}`, { n: i, at: new Date(i), nested: { list: [i, `${i}`] } }] as const);

  it('gives back the same items, one slice per turn', async () => {
    const packed = serializeInSlices(items, 3);
    expect(packed.ends).toHaveLength(3);
    expect(packed.ends.at(-1)).toBe(packed.buffer.byteLength);
    // Count the turns the reading spans by taking turns beside it (setImmediate, as the reader does): a
    // timer would measure time, and three small slices may well take less than its 1 ms.
    let done = false;
    const reading = deserializeInSlices(packed).then((back) => ((done = true), back));
    let turns = 0;
    while (!done) {
      await nextTurn();
      turns += 1;
    }
    expect(await reading).toEqual(items);
    expect(turns).toBe(packed.ends.length - 1);
  });

  it('reads nothing further once the reader no longer wants it, and nothing of an empty list', async () => {
    let wanted = true;
    const reading = deserializeInSlices(serializeInSlices(items, 2), () => wanted);
    wanted = false;
    expect(await reading).toBeUndefined();
    const empty = serializeInSlices([], 2);
    expect(empty.ends).toEqual([]);
    expect(await deserializeInSlices(empty)).toEqual([]);
  });
});
