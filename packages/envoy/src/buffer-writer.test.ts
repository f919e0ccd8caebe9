/** BufferWriter writes exactly the bytes protobufjs's Writer writes, for every value and nesting. */
import fc from 'fast-check';
import protobuf from 'protobufjs';
import { BufferWriter } from './buffer-writer.js';

type Op =
  | ['uint32' | 'int32' | 'sint32' | 'fixed32' | 'sfixed32' | 'float' | 'double', number]
  | ['int64' | 'uint64' | 'sint64' | 'fixed64' | 'sfixed64', string]
  | ['bool', boolean]
  | ['string', string]
  | ['bytes', Uint8Array]
  | ['nested', Op[]];

const int64 = fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map(String);
const uint64 = fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map(String);
const op: fc.Memo<Op> = fc.memo((depth) =>
  fc.oneof(
    fc.tuple(fc.constant('uint32' as const), fc.integer({ min: 0, max: 0xffffffff })),
    fc.tuple(fc.constantFrom('int32' as const, 'sint32' as const, 'sfixed32' as const), fc.integer({ min: -0x80000000, max: 0x7fffffff })),
    fc.tuple(fc.constant('fixed32' as const), fc.integer({ min: 0, max: 0xffffffff })),
    fc.tuple(fc.constantFrom('float' as const, 'double' as const), fc.double({ noNaN: true })),
    fc.tuple(fc.constantFrom('int64' as const, 'sint64' as const, 'sfixed64' as const), int64),
    fc.tuple(fc.constantFrom('uint64' as const, 'fixed64' as const), uint64),
    fc.tuple(fc.constant('bool' as const), fc.boolean()),
    fc.tuple(fc.constant('string' as const), fc.string({ unit: 'grapheme', maxLength: 300 })),
    fc.tuple(fc.constant('bytes' as const), fc.uint8Array({ maxLength: 400 })),
    depth > 3 ? fc.tuple(fc.constant('bool' as const), fc.boolean()) : fc.tuple(fc.constant('nested' as const), fc.array(op(depth + 1), { maxLength: 40 })),
  ) as fc.Arbitrary<Op>,
);

type AnyWriter = Record<string, (...args: unknown[]) => unknown>;

function write(w: AnyWriter, ops: Op[]): void {
  for (const [kind, value] of ops) {
    w.uint32!(10);
    if (kind === 'nested') {
      w.fork!();
      write(w, value);
      w.ldelim!();
    } else w[kind]!(value);
  }
}

describe('BufferWriter', () => {
  it('writes what protobufjs writes', () => {
    fc.assert(
      fc.property(fc.array(op(0), { maxLength: 30 }), (ops) => {
        const ours = BufferWriter.create();
        const theirs = protobuf.Writer.create();
        write(ours as unknown as AnyWriter, ops);
        write(theirs as unknown as AnyWriter, ops);
        expect(Buffer.from(ours.finish()).toString('hex')).toBe(Buffer.from(theirs.finish()).toString('hex'));
      }),
      { numRuns: 500 },
    );
  });

  it('writes short ASCII strings (copied by hand) and strings that leave ASCII part-way as protobufjs does', () => {
    const ascii = fc.string({ unit: 'binary-ascii', maxLength: 200 });
    const mixed = fc.tuple(ascii, fc.string({ unit: 'grapheme', minLength: 1, maxLength: 3 }), ascii).map((parts) => parts.join(''));
    fc.assert(
      fc.property(fc.array(fc.oneof(ascii, mixed), { maxLength: 20 }), (strings) => {
        const ours = BufferWriter.create();
        const theirs = protobuf.Writer.create();
        for (const s of strings) {
          ours.uint32(10).string(s);
          theirs.uint32(10).string(s);
        }
        expect(Buffer.from(ours.finish()).toString('hex')).toBe(Buffer.from(theirs.finish()).toString('hex'));
      }),
      { numRuns: 500 },
    );
    for (const length of [0, 1, 126, 127, 128, 129, 255]) {
      const s = 'a'.repeat(length);
      expect(Buffer.from(BufferWriter.create().string(s).finish()).equals(Buffer.from(protobuf.Writer.create().string(s).finish()))).toBe(true);
    }
  });

  it('moves a long body to fit its length, at every size boundary', () => {
    for (const size of [0, 127, 128, 16383, 16384, 2097151, 2097152]) {
      const ours = BufferWriter.create().uint32(10).fork().bytes(new Uint8Array(size)).ldelim().finish();
      const theirs = protobuf.Writer.create().uint32(10).fork().bytes(new Uint8Array(size)).ldelim().finish();
      expect(Buffer.compare(Buffer.from(ours), Buffer.from(theirs))).toBe(0);
    }
  });

  it('copies raw bytes as they are, at the top level and inside a body longer than 127 bytes', () => {
    const field = protobuf.Writer.create().uint32(10).string('x'.repeat(200)).finish();
    const ours = BufferWriter.create().raw(field).uint32(18).fork().raw(field).ldelim().finish();
    const theirs = protobuf.Writer.create().uint32(10).string('x'.repeat(200)).uint32(18).fork().uint32(10).string('x'.repeat(200)).ldelim().finish();
    expect(Buffer.compare(Buffer.from(ours), Buffer.from(theirs))).toBe(0);
  });
});
