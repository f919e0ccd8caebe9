import { SharedFrame } from './shared-frame.js';

describe('a body shared by every stream, with one stream tail written in place', () => {
  const body = Uint8Array.from([1, 2, 3, 4]);

  it('gives the body followed by the tail, without copying the body per call', () => {
    const frame = new SharedFrame(body);
    const first = frame.withTail(Uint8Array.from([9]));
    expect([...first]).toEqual([1, 2, 3, 4, 9]);
    const second = frame.withTail(Uint8Array.from([7, 7]));
    expect([...second]).toEqual([1, 2, 3, 4, 7, 7]);
    // One buffer: the earlier view now shows the later tail (why a kept frame must be copied).
    expect(second.buffer).toBe(first.buffer);
    expect([...first]).toEqual([1, 2, 3, 4, 7]);
  });

  it('grows for a tail longer than its room, keeping the body', () => {
    const frame = new SharedFrame(body);
    const long = new Uint8Array(500).fill(5);
    expect([...frame.withTail(long)]).toEqual([...body, ...long]);
    expect([...frame.withTail(new Uint8Array())]).toEqual([...body]);
  });

  it('does not keep the caller’s body array', () => {
    const given = Uint8Array.from([1, 2]);
    const frame = new SharedFrame(given);
    given[0] = 8;
    expect([...frame.withTail(Uint8Array.from([3]))]).toEqual([1, 2, 3]);
  });
});
