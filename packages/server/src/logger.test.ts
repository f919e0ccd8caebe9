import { PassThrough } from 'node:stream';
import { createLogger, errorFields, isLogLevel } from './logger.js';

function capture(format: 'json' | 'pretty', level: 'info' | 'debug' = 'info') {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  const logger = createLogger({ stream, format, level });
  return { logger, lines: () => text.split('\n').filter(Boolean) };
}

describe('createLogger', () => {
  it('writes one JSON object per entry, with the object fields', async () => {
    const { logger, lines } = capture('json');
    logger.warn('route not accepted', { kind: 'HTTPRoute', namespace: 'default', name: 'shop', reason: 'NoMatchingParent' });
    logger.debug('dropped below the level');
    await new Promise((r) => setImmediate(r));
    expect(lines()).toHaveLength(1);
    expect(JSON.parse(lines()[0]!)).toEqual({
      level: 'warn',
      message: 'route not accepted',
      kind: 'HTTPRoute',
      namespace: 'default',
      name: 'shop',
      reason: 'NoMatchingParent',
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
  });

  it('prints a readable line on a terminal, with the stack of an error below it', async () => {
    const { logger, lines } = capture('pretty');
    logger.error('translation failed', { generation: 3, ...errorFields(new Error('boom')) });
    logger.info('route accepted', { kind: 'HTTPRoute', namespace: 'default', name: 'shop', reason: 'two words' });
    await new Promise((r) => setImmediate(r));
    const [first, ...rest] = lines();
    expect(first).toMatch(/^\d\d:\d\d:\d\d\.\d{3} .*error.* translation failed generation=3 error=boom$/);
    expect(rest[0]).toBe('Error: boom');
    expect(rest.find((l) => l.includes('route accepted'))).toMatch(/info.* route accepted HTTPRoute default\/shop reason="two words"$/);
  });

  it('knows the levels --log-level accepts', () => {
    expect(['error', 'warn', 'info', 'debug'].every(isLogLevel)).toBe(true);
    expect(isLogLevel('verbose')).toBe(false);
  });
});
