/**
 * The dashboard's event streams over real HTTP, with the coalescing clock and timers in the test's hands:
 * a burst of change signals is one check, checks are at least 250 ms apart, a stream hears only about
 * versions it has not seen, and closeAll ends every stream.
 */
import { createServer, get as httpGet, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createChangeSignal, createUiEvents, type Timers, type UiEvents } from './ui-events.js';
import { openEvents } from './ui.test-util.js';

function manualTimers() {
  const pending: { callback: () => void; ms: number; cleared: boolean }[] = [];
  const timers: Timers = {
    set: (callback, ms) => {
      const timer = { callback, ms, cleared: false };
      pending.push(timer);
      return timer;
    },
    clear: (handle) => {
      (handle as { cleared: boolean }).cleared = true;
    },
  };
  return {
    timers,
    pending: () => pending.filter((t) => !t.cleared),
    /** Runs the pending timers (as their time came). */
    fire: () => {
      for (const t of pending.splice(0)) if (!t.cleared) t.callback();
    },
  };
}

describe('createUiEvents', () => {
  let server: Server;
  let events: UiEvents;
  let port: number;
  let versions = { graph: 'g1', dataplane: 'd1' };
  let clock = 0;
  const changes = createChangeSignal();
  const timers = manualTimers();

  beforeEach(async () => {
    versions = { graph: 'g1', dataplane: 'd1' };
    clock = 1_000;
    events = createUiEvents({ versions: () => versions, changes, coalesceMs: 250, now: () => clock, timers: timers.timers });
    server = createServer((request, response) => {
      if (!events.open(request, response)) response.writeHead(503).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterEach(async () => {
    events.closeAll();
    await new Promise((resolve) => server.close(resolve));
  });

  it('sends changed on connect, then once per coalesced check, only for versions not seen', async () => {
    const stream = await openEvents(port);
    expect(await stream.next()).toEqual({ graph: 'g1', dataplane: 'd1' });

    versions = { graph: 'g2', dataplane: 'd1' };
    for (let i = 0; i < 5; i++) changes.emit();
    // Five signals, one check, at once: the last check was long ago.
    expect(timers.pending().map((t) => t.ms)).toEqual([0]);
    timers.fire();
    expect(await stream.next()).toEqual({ graph: 'g2', dataplane: 'd1' });

    clock += 100;
    versions = { graph: 'g2', dataplane: 'd2' };
    changes.emit();
    changes.emit();
    // 100 ms after the last check: the next waits out the rest of the 250 ms.
    expect(timers.pending().map((t) => t.ms)).toEqual([150]);
    clock += 150;
    timers.fire();
    expect(await stream.next()).toEqual({ graph: 'g2', dataplane: 'd2' });

    // A signal that changed nothing sends nothing: the next event is the next real change.
    clock += 1_000;
    changes.emit();
    timers.fire();
    clock += 1_000;
    versions = { graph: 'g3', dataplane: 'd2' };
    changes.emit();
    timers.fire();
    expect(await stream.next()).toEqual({ graph: 'g3', dataplane: 'd2' });
    expect(stream.received).toHaveLength(4);
  });

  it('spaces checks by what the function given says at each signal', async () => {
    let spacingMs = 250;
    const adaptive = createUiEvents({ versions: () => versions, changes, coalesceMs: () => spacingMs, now: () => clock, timers: timers.timers });
    const local = createServer((request, response) => void adaptive.open(request, response));
    await new Promise<void>((resolve) => local.listen(0, '127.0.0.1', resolve));
    try {
      const stream = await openEvents((local.address() as AddressInfo).port);
      await stream.next();
      changes.emit();
      timers.fire();
      spacingMs = 2_000;
      clock += 100;
      changes.emit();
      expect(timers.pending().map((t) => t.ms)).toEqual([1_900]);
    } finally {
      adaptive.closeAll();
      await new Promise((resolve) => local.close(resolve));
    }
  });

  it('checks nothing while no stream is open', () => {
    changes.emit();
    expect(timers.pending()).toEqual([]);
  });

  it('ends every stream on closeAll and refuses new ones', async () => {
    const a = await openEvents(port);
    const b = await openEvents(port);
    await a.next();
    await b.next();
    events.closeAll();
    await Promise.all([a.ended, b.ended]);
    expect(events.streams()).toBe(0);
    expect((await openEvents(port)).status).toBe(503);
  });

  it('writes a comment line on every stream as often as asked (15 s by default)', async () => {
    const keepAlive = createUiEvents({ versions: () => versions, changes, keepAliveMs: 10 });
    const local = createServer((request, response) => void keepAlive.open(request, response));
    await new Promise<void>((resolve) => local.listen(0, '127.0.0.1', resolve));
    try {
      const text = await new Promise<string>((resolve, reject) => {
        httpGet({ host: '127.0.0.1', port: (local.address() as AddressInfo).port, path: '/' }, (response) => {
          let body = '';
          response.setEncoding('utf8');
          response.on('data', (chunk: string) => {
            body += chunk;
            if (body.includes(': keep-alive\n\n')) {
              response.destroy();
              resolve(body);
            }
          });
        }).on('error', reject);
      });
      expect(text).toMatch(/^retry: 2000\n\nevent: changed\ndata: \{"graph":"g1","dataplane":"d1"\}\n\n/);
    } finally {
      keepAlive.closeAll();
      await new Promise((resolve) => local.close(resolve));
    }
  });
});
