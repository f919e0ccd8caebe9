/**
 * Back-pressure between a stream's state machine and the wire. gRPC writes a response only as fast
 * as the client reads it (HTTP/2 flow control); a client that stops reading must not make the server
 * keep every later push. So at most one response is handed to the transport at a time, the rest wait
 * here, and:
 * - a waiting response is replaced by a newer one with the same `supersedeKey` (state of the world:
 *   a response of a type carries the whole state of that type, so only the newest one matters);
 * - a stream whose transport has not taken a response for `maxBlockedMs`, or whose waiting bytes pass
 *   `maxQueuedBytes`, is reported blocked (the caller ends it);
 * - responses are written after the event loop has polled the sockets once more, and not at all once
 *   the stream is gone (a client that resets its stream right after its request costs no encoding
 *   and no write).
 * The transport is the tiny `ResponseWriter` interface, so this is tested without sockets.
 */

export interface ResponseWriter<Res> {
  /** Hands one response to the transport; `flushed` is called once it has left (may never be, for a stuck client). */
  write(response: Res, flushed: () => void): void;
  /** The stream was cancelled or closed underneath us: nothing more is written. */
  gone(): boolean;
}

export interface ResponseOutboxOptions<Res> {
  writer: ResponseWriter<Res>;
  /** Responses with equal keys supersede each other while waiting; without it nothing is ever dropped (delta). */
  supersedeKey?(response: Res): string;
  /** Approximate encoded size of a response, for `maxQueuedBytes`. */
  sizeOf(response: Res): number;
  maxBlockedMs: number;
  maxQueuedBytes: number;
  /** The stream cannot keep up: end it. Called once; the outbox is closed by then. */
  onBlocked(reason: string): void;
  /** Responses that were never written: replaced by a newer one, or left when the stream went. */
  onDropped?(reason: DropReason, count: number): void;
  /** A response was handed to the transport. */
  onWritten?(): void;
  /** Defers a flush past the next poll of the sockets; two `setImmediate`s by default. */
  defer?(task: () => void): void;
  setTimer?(task: () => void, ms: number): () => void;
}

export type DropReason = 'superseded' | 'stream_closed';

export interface ResponseOutbox<Res> {
  enqueue(response: Res): void;
  /** Drops what waits and writes nothing more. */
  close(): void;
  /** Responses waiting (not yet handed to the transport). */
  waiting(): number;
}

interface Waiting<Res> {
  response: Res;
  bytes: number;
  key: string | undefined;
}

export function createResponseOutbox<Res>(options: ResponseOutboxOptions<Res>): ResponseOutbox<Res> {
  const { writer, maxBlockedMs, maxQueuedBytes } = options;
  // Two turns: the event loop polls the sockets once in between, so a reset that follows the request
  // on the wire (a client that gives up at once) is read before anything is encoded for it.
  const defer = options.defer ?? ((task) => void setImmediate(() => setImmediate(task)));
  const setTimer = options.setTimer ?? ((task, ms) => {
    const timer = setTimeout(task, ms);
    timer.unref();
    return () => clearTimeout(timer);
  });
  // Insertion order is write order; a superseding response takes the place of the one it replaces, so
  // the make-before-break order of types (clusters before listeners) is kept.
  const queue: Waiting<Res>[] = [];
  let queuedBytes = 0;
  let inFlightBytes = 0;
  let writing = false;
  let flushScheduled = false;
  let closed = false;
  let cancelTimer: (() => void) | undefined;

  function blocked(reason: string): void {
    if (closed) return;
    close();
    options.onBlocked(reason);
  }

  function close(): void {
    if (closed) return;
    closed = true;
    cancelTimer?.();
    if (queue.length > 0) options.onDropped?.('stream_closed', queue.length);
    queue.length = 0;
    queuedBytes = 0;
  }

  function scheduleFlush(): void {
    if (flushScheduled || writing || closed) return;
    flushScheduled = true;
    defer(() => {
      flushScheduled = false;
      flush();
    });
  }

  function flush(): void {
    if (closed || writing) return;
    if (writer.gone()) return close();
    const next = queue.shift();
    if (!next) return;
    queuedBytes -= next.bytes;
    inFlightBytes = next.bytes;
    writing = true;
    cancelTimer = setTimer(() => blocked(`the client has not read a response for ${maxBlockedMs} ms`), maxBlockedMs);
    options.onWritten?.();
    writer.write(next.response, () => {
      cancelTimer?.();
      cancelTimer = undefined;
      writing = false;
      inFlightBytes = 0;
      scheduleFlush();
    });
  }

  return {
    enqueue(response) {
      if (closed) return options.onDropped?.('stream_closed', 1);
      const key = options.supersedeKey?.(response);
      const bytes = options.sizeOf(response);
      const index = key === undefined ? -1 : queue.findIndex((w) => w.key === key);
      if (index >= 0) {
        queuedBytes -= queue[index]!.bytes;
        queue[index] = { response, bytes, key };
        options.onDropped?.('superseded', 1);
      } else {
        queue.push({ response, bytes, key });
      }
      queuedBytes += bytes;
      if (queuedBytes + inFlightBytes > maxQueuedBytes) {
        return blocked(`${queuedBytes + inFlightBytes} bytes of responses wait for the client (limit ${maxQueuedBytes})`);
      }
      scheduleFlush();
    },
    close,
    waiting: () => queue.length,
  };
}
