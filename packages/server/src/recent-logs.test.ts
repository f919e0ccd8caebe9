import { PassThrough } from 'node:stream';
import { createLogger, errorFields } from './logger.js';
import { RecentLogs } from './recent-logs.js';

const tick = () => new Promise((r) => setImmediate(r));

describe('RecentLogs', () => {
  it('keeps the latest entries, oldest dropped first, and counts what it dropped', () => {
    const recent = new RecentLogs({ maxEntries: 3 });
    for (let i = 1; i <= 5; i++) recent.add(JSON.stringify({ message: `entry ${i}` }));
    expect(recent.view()).toEqual({ entries: [{ message: 'entry 3' }, { message: 'entry 4' }, { message: 'entry 5' }], dropped: 2, maxEntries: 3, maxBytes: 512 * 1024 });
  });

  it('stays within its bytes: older entries go; an entry larger than the bound is cut, never dropped', () => {
    const recent = new RecentLogs({ maxEntries: 100, maxBytes: 200 });
    for (let i = 0; i < 10; i++) recent.add(JSON.stringify({ message: 'x'.repeat(40), i }));
    const { entries, dropped } = recent.view();
    expect(JSON.stringify(entries).length).toBeLessThanOrEqual(200 + entries.length);
    expect(entries.at(-1)).toEqual({ message: 'x'.repeat(40), i: 9 });
    expect(dropped).toBe(10 - entries.length);

    recent.add(JSON.stringify({ message: 'y'.repeat(1_000) }));
    const after = recent.view();
    expect(after.entries).toHaveLength(1);
    expect(String((after.entries[0] as { truncated: string }).truncated).length).toBeLessThan(200);
  });

  it('a line that is not JSON is kept as its message', () => {
    const recent = new RecentLogs();
    recent.add('plain text');
    expect(recent.view().entries).toEqual([{ message: 'plain text' }]);
  });
});

describe('createLogger with recent', () => {
  it('keeps JSON entries (at the logger level) while standard error gets the pretty lines', async () => {
    const stream = Object.assign(new PassThrough(), { isTTY: true });
    let text = '';
    stream.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    const recent = new RecentLogs();
    const logger = createLogger({ stream, level: 'info', recent });
    logger.warn('route not accepted', { kind: 'HTTPRoute', namespace: 'default', name: 'shop' });
    logger.error('translation failed', errorFields(new Error('boom')));
    logger.debug('below the level');
    await tick();
    expect(text).toMatch(/warn.* route not accepted HTTPRoute default\/shop/);
    const { entries } = recent.view();
    expect(entries).toEqual([
      { level: 'warn', message: 'route not accepted', kind: 'HTTPRoute', namespace: 'default', name: 'shop', timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) },
      expect.objectContaining({ level: 'error', message: 'translation failed', error: 'boom', stack: expect.stringContaining('Error: boom') }),
    ]);
  });
});
