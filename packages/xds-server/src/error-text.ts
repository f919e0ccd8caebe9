/**
 * A client's error text (the `error_detail` of a NACK) can be megabytes: Envoy quotes whole
 * resources. What is kept (client registry, quarantine) or logged of one is cut to 4 KiB.
 */
export const MAX_ERROR_TEXT_BYTES = 4096;

/** The text cut to `maxBytes` bytes of UTF-8 (never inside a character), marked when cut. */
export function truncateErrorText(text: string, maxBytes = MAX_ERROR_TEXT_BYTES): string {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= maxBytes) return text;
  // A decoder replaces a cut character with U+FFFD; drop it rather than show a broken one.
  return `${bytes.subarray(0, maxBytes).toString('utf8').replace(/\uFFFD$/, '')} … (${bytes.length - maxBytes} more bytes)`;
}
