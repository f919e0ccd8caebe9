/**
 * Field writers the message writers of this folder share, each writing what the JSON encoder
 * (@portico/envoy json-encoder.ts) writes for the same JSON: proto3 leaves a plain scalar out when it
 * holds its default, and writes a message (even an empty one) and a oneof member whenever present.
 */
import { BufferWriter, fieldTags } from '@portico/envoy';

const DURATION = fieldTags('google.protobuf.Duration', ['seconds', 'nanos']);
const UINT32_VALUE = fieldTags('google.protobuf.UInt32Value', ['value']);

/** A plain (no presence) string field: nothing for "". */
export function writeString(w: BufferWriter, tag: number, value: string): void {
  if (value !== '') w.uint32(tag).string(value);
}

/** A oneof member or other string field with presence: written even when "". */
export function writeStringWithPresence(w: BufferWriter, tag: number, value: string): void {
  w.uint32(tag).string(value);
}

/** A message field holding a message with no fields set (`{}` in JSON): its tag and a zero length. */
export function writeEmptyMessage(w: BufferWriter, tag: number): void {
  w.uint32(tag).uint32(0);
}

/**
 * A google.protobuf.Duration field from milliseconds, as proto-duration.ts durationFromMs spells it
 * (whole milliseconds, never negative) and the JSON encoder parses it back: seconds, then nanos.
 */
export function writeDurationMs(w: BufferWriter, tag: number, ms: number): void {
  const whole = Math.max(0, Math.round(ms));
  const seconds = Math.floor(whole / 1000);
  const nanos = (whole % 1000) * 1_000_000;
  w.uint32(tag).fork();
  // A varint: below 2^31 the int64 and the uint32 encodings are the same bytes, without a BigInt.
  if (seconds !== 0) (seconds < 2 ** 31 ? w.uint32(DURATION.seconds).uint32(seconds) : w.uint32(DURATION.seconds).int64(seconds));
  if (nanos !== 0) w.uint32(DURATION.nanos).int32(nanos);
  w.ldelim();
}

/** A google.protobuf.UInt32Value field (present, so written even for 0, whose body is then empty). */
export function writeUInt32Value(w: BufferWriter, tag: number, value: number): void {
  w.uint32(tag).fork();
  if (value !== 0) w.uint32(UINT32_VALUE.value).uint32(value);
  w.ldelim();
}
