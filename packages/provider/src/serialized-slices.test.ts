import { describe, expect, it } from '@jest/globals';
import { deserializeInSlices, serializeInSlices } from './serialized-slices.js';

describe('serialized slices', () => {
  const items = Array.from({ length: 7 }, (_, i) => [`key${i}`, { n: i, at: new Date(i), nested: { list: [i, `${i}`] } }] as const);

  it('gives back the same items, one slice per turn', async () => {
    const packed = serializeInSlices(items, 3);
    expect(packed.ends).toHaveLength(3);
    expect(packed.ends.at(-1)).toBe(packed.buffer.byteLength);
    let turns = 0;
    const counting = setInterval(() => (turns += 1), 0);
    const back = await deserializeInSlices(packed).finally(() => clearInterval(counting));
    expect(back).toEqual(items);
    expect(turns).toBeGreaterThanOrEqual(1);
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
