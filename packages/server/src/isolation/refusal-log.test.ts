import { describe, expect, it } from '@jest/globals';
import type { StreamRefusal } from '@portico/xds-server';
import { PassThrough } from 'node:stream';
import { createLogger } from '../logger.js';
import { createRefusalLog } from './refusal-log.js';

function capture() {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  const logger = createLogger({ stream, format: 'json' });
  return { logger, lines: () => text.split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>) };
}

const refusal = (reason: StreamRefusal['reason'], id = 1): StreamRefusal => ({
  stream: { streamId: `sotw-${id}`, protocol: 'sotw', peer: '127.0.0.1:5000' },
  reason,
  code: 8,
  details: 'this connection has 100 xDS streams open, the limit',
});

describe('refusal log', () => {
  it('logs the first refusal of each reason, then one line per interval counting the others', async () => {
    const { lines, logger } = capture();
    let time = 0;
    const log = createRefusalLog(logger, { intervalMs: 1_000, now: () => time });
    for (let i = 0; i < 500; i++) log(refusal('too_many_streams_on_connection', i));
    log(refusal('unknown_type_url'));
    time = 1_500;
    log(refusal('too_many_streams_on_connection', 999));
    await new Promise((r) => setImmediate(r));
    expect(lines().map((l) => [l.level, l.message, l.reason, l.alsoRefusedSinceLastLine])).toEqual([
      ['warn', 'xDS stream refused', 'too_many_streams_on_connection', undefined],
      ['warn', 'xDS stream refused', 'unknown_type_url', undefined],
      ['warn', 'xDS stream refused', 'too_many_streams_on_connection', 499],
    ]);
  });
});
