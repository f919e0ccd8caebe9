/**
 * A protobuf wire-format writer into one growing buffer, with the part of protobufjs's Writer API the
 * JSON encoder uses, producing the same bytes (buffer-writer.test.ts compares them).
 *
 * protobufjs's Writer queues one operation object per value and copies everything at `finish()`; for
 * tens of megabytes of Envoy config that is millions of short-lived objects, and the garbage collector
 * dominated encoding. Here values go straight into the buffer. A length-delimited field reserves one
 * byte for its length and, when the body turns out longer than 127 bytes, moves the body up to make
 * room: a copy of the body per nesting level, far cheaper than an object per value.
 */

const INITIAL_SIZE = 256;
const TWO_32 = 4294967296;

export class BufferWriter {
  private buf: Buffer;
  private pos = 0;
  /** Start of each open length-delimited body (the reserved length byte is just before it). */
  private readonly forks: number[] = [];

  /**
   * `initialSize`: what the caller expects to write, when it knows (a message assembled from parts
   * of known size): a buffer grown by doubling from 256 bytes copies a large message several times.
   */
  constructor(initialSize = INITIAL_SIZE) {
    this.buf = Buffer.allocUnsafe(Math.max(1, initialSize));
  }

  static create(): BufferWriter {
    return new BufferWriter();
  }

  private ensure(bytes: number): void {
    if (this.pos + bytes <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + bytes) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  uint32(value: number): this {
    this.ensure(5);
    let v = value >>> 0;
    while (v > 127) {
      this.buf[this.pos++] = (v & 127) | 128;
      v >>>= 7;
    }
    this.buf[this.pos++] = v;
    return this;
  }

  /** Negative int32s are sign-extended to ten bytes, as protobuf (and protobufjs) write them. */
  int32(value: number): this {
    return value < 0 ? this.varint64(BigInt.asUintN(64, BigInt(value | 0))) : this.uint32(value);
  }

  sint32(value: number): this {
    return this.uint32(((value << 1) ^ (value >> 31)) >>> 0);
  }

  int64(value: number | string): this {
    return this.varint64(BigInt.asUintN(64, BigInt(value)));
  }

  uint64(value: number | string): this {
    return this.varint64(BigInt.asUintN(64, BigInt(value)));
  }

  sint64(value: number | string): this {
    const v = BigInt.asIntN(64, BigInt(value));
    return this.varint64(BigInt.asUintN(64, (v << 1n) ^ (v >> 63n)));
  }

  bool(value: boolean): this {
    this.ensure(1);
    this.buf[this.pos++] = value ? 1 : 0;
    return this;
  }

  fixed32(value: number): this {
    this.ensure(4);
    this.buf.writeUInt32LE(value >>> 0, this.pos);
    this.pos += 4;
    return this;
  }

  sfixed32(value: number): this {
    this.ensure(4);
    this.buf.writeInt32LE(value | 0, this.pos);
    this.pos += 4;
    return this;
  }

  fixed64(value: number | string): this {
    return this.fixed64Bits(BigInt.asUintN(64, BigInt(value)));
  }

  sfixed64(value: number | string): this {
    return this.fixed64Bits(BigInt.asUintN(64, BigInt(value)));
  }

  float(value: number): this {
    this.ensure(4);
    this.buf.writeFloatLE(value, this.pos);
    this.pos += 4;
    return this;
  }

  double(value: number): this {
    this.ensure(8);
    this.buf.writeDoubleLE(value, this.pos);
    this.pos += 8;
    return this;
  }

  string(value: string): this {
    // Short ASCII strings (names, paths, header values: nearly all of them) are copied by hand: the
    // native byteLength + write calls cost more than the copy. Anything else takes the general path.
    const n = value.length;
    if (n < 128) {
      this.ensure(n + 1);
      const buf = this.buf;
      let at = this.pos + 1;
      let i = 0;
      for (; i < n; i++) {
        const c = value.charCodeAt(i);
        if (c >= 128) break;
        buf[at++] = c;
      }
      if (i === n) {
        buf[this.pos] = n;
        this.pos = at;
        return this;
      }
    }
    const length = Buffer.byteLength(value, 'utf8');
    this.uint32(length);
    this.ensure(length);
    this.pos += this.buf.write(value, this.pos, length, 'utf8');
    return this;
  }

  bytes(value: Uint8Array): this {
    this.uint32(value.length);
    this.ensure(value.length);
    this.buf.set(value, this.pos);
    this.pos += value.length;
    return this;
  }

  /**
   * Bytes already in wire format (fields with their tags, encoded once and kept), copied as they
   * are: protobuf fields concatenate, so a message can be assembled from fields written earlier.
   */
  raw(value: Uint8Array): this {
    this.ensure(value.length);
    this.buf.set(value, this.pos);
    this.pos += value.length;
    return this;
  }

  /** Opens a length-delimited body (the caller wrote the tag). */
  fork(): this {
    this.ensure(1);
    this.pos++; // the length's first byte
    this.forks.push(this.pos);
    return this;
  }

  /** Closes the body opened by `fork` and writes its length before it. */
  ldelim(): this {
    const start = this.forks.pop()!;
    const length = this.pos - start;
    const extra = varintSize(length) - 1;
    if (extra > 0) {
      this.ensure(extra);
      this.buf.copyWithin(start + extra, start, this.pos);
      this.pos += extra;
    }
    let at = start - 1;
    let v = length;
    while (v > 127) {
      this.buf[at++] = (v & 127) | 128;
      v >>>= 7;
    }
    this.buf[at] = v;
    return this;
  }

  /**
   * Forgets what was written, keeping the buffer: one writer reused for many small messages (each
   * copied out by `finish`) allocates no buffer per message.
   */
  reset(): this {
    this.pos = 0;
    this.forks.length = 0;
    return this;
  }

  /**
   * The bytes written, as their own buffer — never a slice of Node's shared pool: encoded resources
   * are kept (per route, per cluster) for a long time, and a kept slice would pin its whole pool slab.
   */
  finish(): Uint8Array {
    const out = Buffer.allocUnsafeSlow(this.pos);
    this.buf.copy(out, 0, 0, this.pos);
    return out;
  }

  private varint64(v: bigint): this {
    if (v < BigInt(TWO_32) * 0x200000n) return this.varintNumber(Number(v));
    this.ensure(10);
    while (v > 127n) {
      this.buf[this.pos++] = Number(v & 127n) | 128;
      v >>= 7n;
    }
    this.buf[this.pos++] = Number(v);
    return this;
  }

  /** A non-negative integer below 2^53 as a varint. */
  private varintNumber(v: number): this {
    this.ensure(10);
    while (v > 127) {
      this.buf[this.pos++] = (v % 128) | 128;
      v = Math.floor(v / 128);
    }
    this.buf[this.pos++] = v;
    return this;
  }

  private fixed64Bits(v: bigint): this {
    this.ensure(8);
    this.buf.writeBigUInt64LE(v, this.pos);
    this.pos += 8;
    return this;
  }
}

function varintSize(value: number): number {
  return value < 128 ? 1 : value < 16384 ? 2 : value < 2097152 ? 3 : value < 268435456 ? 4 : 5;
}
