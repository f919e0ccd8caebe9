import { describe, expect, it } from '@jest/globals';
import { isLoopbackHost, plaintextXdsWarning } from './xds-exposure.js';

describe('isLoopbackHost', () => {
  it.each(['localhost', '127.0.0.1', '127.1.2.3', '::1', '[::1]', '::ffff:127.0.0.1', 'LOCALHOST'])('%s is loopback', (host) => {
    expect(isLoopbackHost(host)).toBe(true);
  });
  it.each(['0.0.0.0', '::', '10.0.0.1', '128.0.0.1', 'portico.example', '127.0.0.1.example'])('%s is not', (host) => {
    expect(isLoopbackHost(host)).toBe(false);
  });
});

describe('plaintextXdsWarning', () => {
  it('warns for plain text on a non-loopback address only', () => {
    expect(plaintextXdsWarning('0.0.0.0:18000', false)).toMatch(/plain text on 0\.0\.0\.0:18000.*TLS private keys/);
    expect(plaintextXdsWarning('[::]:18000', false)).toMatch(/plain text/);
    expect(plaintextXdsWarning('0.0.0.0:18000', true)).toBeUndefined();
    expect(plaintextXdsWarning('127.0.0.1:18000', false)).toBeUndefined();
    expect(plaintextXdsWarning('localhost:0', false)).toBeUndefined();
  });
});
