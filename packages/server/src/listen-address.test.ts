import { formatListenAddress, parseListenAddress } from './listen-address.js';

describe('parseListenAddress', () => {
  it.each([
    ['127.0.0.1:19000', { host: '127.0.0.1', port: 19000 }],
    ['0.0.0.0:0', { host: '0.0.0.0', port: 0 }],
    ['localhost:18000', { host: 'localhost', port: 18000 }],
    ['[::1]:19000', { host: '::1', port: 19000 }],
  ])('%s', (address, expected) => {
    expect(parseListenAddress(address)).toEqual(expected);
    expect(formatListenAddress(expected)).toBe(address);
  });

  it.each([
    ['19000', /expected host:port/],
    [':19000', /expected host:port/],
    ['::1:19000', /expected host:port/],
    ['localhost:http', /expected host:port/],
    ['localhost:70000', /port 70000 is above 65535/],
  ])('refuses %s', (address, message) => {
    expect(() => parseListenAddress(address)).toThrow(message);
  });
});
