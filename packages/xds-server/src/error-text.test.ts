import { describe, expect, it } from '@jest/globals';
import { createClientRegistry } from './client-registry.js';
import { MAX_ERROR_TEXT_BYTES, truncateErrorText } from './error-text.js';

describe('truncateErrorText', () => {
  it('keeps a short text as it is', () => {
    expect(truncateErrorText('invalid repetition size: {1001}')).toBe('invalid repetition size: {1001}');
  });

  it('cuts a long text to 4 KiB of UTF-8, never inside a character, and says how much is gone', () => {
    const text = `x${'é'.repeat(3_000_000)}`; // 6 MB, two bytes a character after the first: 4 KiB ends inside one
    const cut = truncateErrorText(text);
    const [kept, marker] = cut.split(' … ');
    expect(Buffer.byteLength(kept!)).toBeLessThanOrEqual(MAX_ERROR_TEXT_BYTES);
    expect(kept).toMatch(/^xé+$/);
    expect(Buffer.byteLength(kept!)).toBe(MAX_ERROR_TEXT_BYTES - 1);
    expect(marker).toBe(`(${6_000_001 - MAX_ERROR_TEXT_BYTES} more bytes)`);
  });

  it('is what the client registry keeps of a NACK', () => {
    const registry = createClientRegistry();
    const record = registry.open({ streamId: 'delta-1', protocol: 'delta', peer: 'p' });
    record({ kind: 'nack', typeUrl: 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration', version: 'b-1', message: 'x'.repeat(4_000_000) });
    const nack = Object.values(registry.clients()[0]!.types)[0]!.lastNack!;
    expect(nack.message.length).toBeLessThan(MAX_ERROR_TEXT_BYTES + 40);
  });
});
