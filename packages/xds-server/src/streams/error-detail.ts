/**
 * A client's NACK text (`error_detail.message`) is whatever the client chose to send, up to the
 * message size limit (64 MiB). It is kept for /debug/clients and logged, so it is cut at the point
 * of receipt to a size a log line and the registry can hold (issue 12: 4 KiB).
 */

/** The most of a NACK text that is kept, in bytes of UTF-8. */
export const MAX_ERROR_DETAIL_BYTES = 4 * 1024;

/**
 * `message` if it fits in `maxBytes` of UTF-8; otherwise its longest prefix that fits (never half a
 * character) followed by a note of how much was cut, so a reader knows the text is incomplete.
 */
export function truncateErrorDetail(message: string, maxBytes: number = MAX_ERROR_DETAIL_BYTES): string {
  // A UTF-16 code unit is at most 3 bytes of UTF-8: a short string needs no encoding to be known to fit.
  if (message.length * 3 <= maxBytes) return message;
  const bytes = Buffer.from(message, 'utf8');
  if (bytes.byteLength <= maxBytes) return message;
  let end = maxBytes;
  // Back up to the start of a character: UTF-8 continuation bytes are 0b10xxxxxx.
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end--;
  return `${bytes.subarray(0, end).toString('utf8')}… [${bytes.byteLength - end} more bytes cut]`;
}
