import { describe, expect, it } from '@jest/globals';
import { MAX_ERROR_DETAIL_BYTES, truncateErrorDetail } from './error-detail.js';

describe('truncateErrorDetail', () => {
  it('keeps a text that fits as it is', () => {
    expect(truncateErrorDetail('cluster a: bad')).toBe('cluster a: bad');
    const exact = 'x'.repeat(MAX_ERROR_DETAIL_BYTES);
    expect(truncateErrorDetail(exact)).toBe(exact);
  });

  it('cuts a 4 MB text to 4 KiB and says how much was cut', () => {
    const cut = truncateErrorDetail('y'.repeat(4 * 1024 * 1024));
    expect(cut.startsWith('y'.repeat(MAX_ERROR_DETAIL_BYTES) + '…')).toBe(true);
    expect(cut).toContain(`[${4 * 1024 * 1024 - MAX_ERROR_DETAIL_BYTES} more bytes cut]`);
    expect(Buffer.byteLength(cut)).toBeLessThan(MAX_ERROR_DETAIL_BYTES + 64);
  });

  it('never cuts a character in half', () => {
    // '€' is 3 bytes: 10 bytes hold three of them and a third of a fourth.
    expect(truncateErrorDetail('€'.repeat(8), 10)).toBe('€€€… [15 more bytes cut]');
  });
});
