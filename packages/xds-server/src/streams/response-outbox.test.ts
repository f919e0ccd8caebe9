/** The outbox against a fake transport: one write at a time, superseding, limits, closed streams. */
import { describe, expect, it } from '@jest/globals';
import { createResponseOutbox, type DropReason, type ResponseOutboxOptions } from './response-outbox.js';

interface Res {
  type: string;
  id: number;
  size?: number;
  /** The ids of the responses `combine` joined into this one. */
  joined?: number[];
}

function harness(overrides: Partial<ResponseOutboxOptions<Res>> = {}) {
  const written: Res[] = [];
  const flushers: (() => void)[] = [];
  const deferred: (() => void)[] = [];
  const timers: { task: () => void; ms: number; cancelled: boolean }[] = [];
  const dropped: Record<DropReason, number> = { superseded: 0, stream_closed: 0 };
  const blocked: string[] = [];
  let gone = false;
  const outbox = createResponseOutbox<Res>({
    writer: { write: (r, flushed) => (written.push(r), flushers.push(flushed)), gone: () => gone },
    supersedeKey: (r) => r.type,
    combine: (waiting, newer) => ({ ...newer, joined: [...(waiting.joined ?? [waiting.id]), newer.id] }),
    sizeOf: (r) => r.size ?? 10,
    maxBlockedMs: 1_000,
    maxQueuedBytes: 100,
    onBlocked: (reason) => blocked.push(reason),
    onDropped: (reason, count) => (dropped[reason] += count),
    defer: (task) => deferred.push(task),
    setTimer: (task, ms) => {
      const timer = { task, ms, cancelled: false };
      timers.push(timer);
      return () => (timer.cancelled = true);
    },
    ...overrides,
  });
  const turn = () => {
    for (let task = deferred.shift(); task; task = deferred.shift()) task();
  };
  return { outbox, written, flushers, turn, timers, dropped, blocked, goAway: () => (gone = true) };
}

describe('response outbox', () => {
  it('writes on a later turn, one response at a time, the next once the previous has left', () => {
    const h = harness();
    h.outbox.enqueue({ type: 'cds', id: 1 });
    h.outbox.enqueue({ type: 'lds', id: 2 });
    expect(h.written).toEqual([]);
    h.turn();
    expect(h.written.map((r) => r.id)).toEqual([1]);
    h.flushers.shift()!();
    h.turn();
    expect(h.written.map((r) => r.id)).toEqual([1, 2]);
  });

  it('keeps only the newest waiting response per key, in the place of the first', () => {
    const h = harness();
    h.outbox.enqueue({ type: 'cds', id: 1 });
    h.turn(); // 1 is in flight and the client stopped reading
    for (let id = 2; id <= 21; id++) {
      h.outbox.enqueue({ type: 'cds', id });
      h.outbox.enqueue({ type: 'lds', id: 100 + id });
    }
    expect(h.outbox.waiting()).toBe(2);
    expect(h.dropped.superseded).toBe(38);
    h.flushers.shift()!();
    h.turn();
    h.flushers.shift()!();
    h.turn();
    expect(h.written.map((r) => r.id)).toEqual([1, 21, 121]);
  });

  it('combines a response that follows with the waiting one of its key, and puts them last', () => {
    const h = harness();
    h.outbox.enqueue({ type: 'rds', id: 1 });
    h.turn(); // 1 is in flight
    // A full EDS response, then the clusters, then a resend of some endpoints that must follow them.
    h.outbox.enqueue({ type: 'eds', id: 2 });
    h.outbox.enqueue({ type: 'cds', id: 3 });
    h.outbox.enqueue({ type: 'eds', id: 4 }, { follows: true, partial: true });
    expect(h.outbox.waiting()).toBe(2);
    expect(h.dropped.superseded).toBe(1);
    // A newer full response of the key takes the combined one's place, after the clusters.
    h.outbox.enqueue({ type: 'eds', id: 5 });
    for (let i = 0; i < 2; i++) {
      h.flushers.shift()!();
      h.turn();
    }
    expect(h.written).toEqual([{ type: 'rds', id: 1 }, { type: 'cds', id: 3 }, { type: 'eds', id: 5 }]);
  });

  it('writes the combination of the waiting response and the one that follows it', () => {
    const h = harness();
    h.outbox.enqueue({ type: 'rds', id: 1 });
    h.turn();
    h.outbox.enqueue({ type: 'eds', id: 2, size: 20 });
    h.outbox.enqueue({ type: 'cds', id: 3 });
    h.outbox.enqueue({ type: 'eds', id: 4, size: 5 }, { follows: true, partial: true });
    h.outbox.enqueue({ type: 'eds', id: 6 }, { follows: true, partial: true });
    h.flushers.shift()!();
    h.turn();
    h.flushers.shift()!();
    h.turn();
    expect(h.written.slice(1)).toEqual([{ type: 'cds', id: 3 }, { type: 'eds', id: 6, joined: [2, 4, 6] }]);
  });

  it('puts a whole response that follows last, in place of the waiting one of its key', () => {
    const h = harness();
    h.outbox.enqueue({ type: 'rds', id: 1 });
    h.turn();
    h.outbox.enqueue({ type: 'eds', id: 2 });
    h.outbox.enqueue({ type: 'cds', id: 3 });
    h.outbox.enqueue({ type: 'eds', id: 4 }, { follows: true });
    h.flushers.shift()!();
    h.turn();
    h.flushers.shift()!();
    h.turn();
    expect(h.written.slice(1)).toEqual([{ type: 'cds', id: 3 }, { type: 'eds', id: 4 }]);
    expect(h.dropped.superseded).toBe(1);
  });

  it('appends a response that follows as any other when nothing of its key waits', () => {
    const h = harness();
    h.outbox.enqueue({ type: 'cds', id: 1 });
    h.outbox.enqueue({ type: 'eds', id: 2 }, { follows: true, partial: true });
    h.turn();
    h.flushers.shift()!();
    h.turn();
    expect(h.written).toEqual([{ type: 'cds', id: 1 }, { type: 'eds', id: 2 }]);
    expect(h.dropped.superseded).toBe(0);
  });

  it('never drops without a key (delta responses are diffs)', () => {
    const h = harness({ supersedeKey: undefined });
    h.outbox.enqueue({ type: 'cds', id: 1 });
    h.turn();
    h.outbox.enqueue({ type: 'cds', id: 2 });
    h.outbox.enqueue({ type: 'cds', id: 3 });
    expect(h.outbox.waiting()).toBe(2);
    expect(h.dropped.superseded).toBe(0);
  });

  it('reports a stream whose response has not left within maxBlockedMs, and then writes nothing', () => {
    const h = harness();
    h.outbox.enqueue({ type: 'cds', id: 1 });
    h.turn();
    h.outbox.enqueue({ type: 'lds', id: 2 });
    expect(h.timers).toHaveLength(1);
    expect(h.timers[0]!.ms).toBe(1_000);
    h.timers[0]!.task();
    expect(h.blocked).toEqual(['the client has not read a response for 1000 ms']);
    expect(h.dropped.stream_closed).toBe(1);
    h.outbox.enqueue({ type: 'lds', id: 3 });
    h.turn();
    expect(h.written.map((r) => r.id)).toEqual([1]);
  });

  it('a response that leaves in time cancels its timer', () => {
    const h = harness();
    h.outbox.enqueue({ type: 'cds', id: 1 });
    h.turn();
    h.flushers.shift()!();
    expect(h.timers[0]!.cancelled).toBe(true);
    expect(h.blocked).toEqual([]);
  });

  it('reports a stream whose waiting bytes pass maxQueuedBytes', () => {
    const h = harness({ supersedeKey: undefined });
    h.outbox.enqueue({ type: 'cds', id: 1, size: 60 });
    h.turn();
    h.outbox.enqueue({ type: 'cds', id: 2, size: 30 });
    expect(h.blocked).toEqual([]);
    h.outbox.enqueue({ type: 'cds', id: 3, size: 30 });
    expect(h.blocked).toEqual(['120 bytes of responses wait for the client (limit 100)']);
  });

  it('writes nothing for a stream gone before its turn (reset right after its request)', () => {
    const h = harness();
    h.outbox.enqueue({ type: 'cds', id: 1 });
    h.goAway();
    h.turn();
    expect(h.written).toEqual([]);
    expect(h.dropped.stream_closed).toBe(1);
  });

  it('close() drops what waits', () => {
    const h = harness();
    h.outbox.enqueue({ type: 'cds', id: 1 });
    h.outbox.close();
    h.turn();
    expect(h.written).toEqual([]);
    expect(h.dropped.stream_closed).toBe(1);
    expect(h.blocked).toEqual([]);
  });
});
