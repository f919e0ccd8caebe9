import { describe, expect, it } from '@jest/globals';
import type { ObjectStatus } from '@portico/translator';
import type { Logger } from '../logger.js';
import { createStatusChangeLog } from './reconcile-log.js';

/** A logger that records `level message fields` lines. */
function recording(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const at = (level: string) => (message: string, fields?: unknown) => lines.push(`${level} ${message} ${JSON.stringify(fields ?? {})}`);
  return { logger: { info: at('info'), warn: at('warn'), error: at('error'), debug: at('debug') } as unknown as Logger, lines };
}

function routeStatus(name: string, accepted: boolean): ObjectStatus {
  const condition = { type: 'Accepted', status: accepted ? 'True' : 'False', reason: accepted ? 'Accepted' : 'NotAllowedByListeners', message: accepted ? '' : 'no listener allows it' };
  return { kind: 'HTTPRoute', namespace: 'default', name, status: { parents: [{ parentRef: { name: 'gw' }, controllerName: 'x', conditions: [condition] }] } } as unknown as ObjectStatus;
}

describe('createStatusChangeLog', () => {
  it('logs the same lines in slices, a few statuses per turn, as in one go', async () => {
    const translations = [
      new Map(Array.from({ length: 9 }, (_, i) => [`HTTPRoute/default/r${i}`, routeStatus(`r${i}`, i % 3 !== 0)] as const)),
      new Map(Array.from({ length: 9 }, (_, i) => [`HTTPRoute/default/r${i}`, routeStatus(`r${i}`, i % 2 !== 0)] as const)),
    ];
    const inOneGo = recording();
    const inSlices = recording();
    const sync = createStatusChangeLog(inOneGo.logger);
    const sliced = createStatusChangeLog(inSlices.logger);
    for (const statuses of translations) {
      sync({ statuses, diagnostics: [] });
      await sliced.inSlices({ statuses, diagnostics: [] }, 2);
    }
    expect(inOneGo.lines.length).toBeGreaterThan(3);
    expect(inSlices.lines).toEqual(inOneGo.lines);
  });
});
