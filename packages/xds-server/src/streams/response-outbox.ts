/**
 * Back-pressure between a stream's state machine and the wire. gRPC writes a response only as fast
 * as the client reads it (HTTP/2 flow control); a client that stops reading must not make the server
 * keep every later push. So at most one response is handed to the transport at a time, the rest wait
 * here, and:
 * - a waiting response is replaced by a newer one with the same `supersedeKey` (state of the world:
 *   a response of a type carries the whole state of that type, so only the newest one matters), in
 *   its place; unless the newer one `follows` what was sent before it (SotW endpoints after the
 *   clusters that changed): then it goes last, combined with the waiting one if it is `partial` (a
 *   resend of some endpoints);
 * - a stream whose transport has not taken a response for `maxBlockedMs`, or whose waiting bytes pass
 *   `maxQueuedBytes`, is reported blocked (the caller ends it);
 * - responses are written after the event loop has polled the sockets once more, and not at all once
 *   the stream is gone (a client that resets its stream right after its request costs no encoding
 *   and no write).
 * The transport is the tiny `ResponseWriter` interface, so this is tested without sockets.
 */
import type { ResponsePlacement } from '../types.js';

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
  /**
   * One response carrying what a waiting response and a newer `partial` one of its key carry
   * together (the newer one's nonce and version); the newer one alone without it.
   */
  combine?(waiting: Res, newer: Res): Res;
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
  /**
   * Defers a flush past the next poll of the sockets (two `setImmediate`s by default): a reset that
   * follows the request on the wire (a client that gives up at once) is read before anything is
   * encoded for it.
   */
  defer?(task: () => void): void;
  setTimer?(task: () => void, ms: number): () => void;
}

export type DropReason = 'superseded' | 'stream_closed';

export interface ResponseOutbox<Res> {
  enqueue(response: Res, placement?: ResponsePlacement): void;
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

const setImmediateTwice = (task: () => void) => void setImmediate(() => setImmediate(task));

function unrefTimer(task: () => void, ms: number): () => void {
  const timer = setTimeout(task, ms);
  timer.unref();
  return () => clearTimeout(timer);
}

export function createResponseOutbox<Res>(options: ResponseOutboxOptions<Res>): ResponseOutbox<Res> {
  return new Outbox(options);
}

/**
 * A class rather than closures: every open stream has one, so its methods live once on the
 * prototype (thousands of idle streams each hold a few fields, not a dozen functions).
 */
class Outbox<Res> implements ResponseOutbox<Res> {
  // Insertion order is write order; a superseding response takes the place of the one it replaces, so
  // the make-before-break order of types (clusters before listeners) is kept.
  private queue: Waiting<Res>[] = [];
  private queuedBytes = 0;
  private inFlightBytes = 0;
  private writing = false;
  private flushScheduled = false;
  private closed = false;
  private cancelTimer: (() => void) | undefined;

  constructor(private readonly options: ResponseOutboxOptions<Res>) {}

  enqueue(response: Res, placement: ResponsePlacement = {}): void {
    const { options } = this;
    if (this.closed) return options.onDropped?.('stream_closed', 1);
    const key = options.supersedeKey?.(response);
    const index = key === undefined ? -1 : this.queue.findIndex((w) => w.key === key);
    let entry: Waiting<Res>;
    if (index < 0) {
      entry = { response, bytes: options.sizeOf(response), key };
      this.queue.push(entry);
    } else if (placement.follows) {
      const [waiting] = this.queue.splice(index, 1);
      this.queuedBytes -= waiting!.bytes;
      const combined = placement.partial && options.combine ? options.combine(waiting!.response, response) : response;
      entry = { response: combined, bytes: options.sizeOf(combined), key };
      this.queue.push(entry);
      options.onDropped?.('superseded', 1);
    } else {
      this.queuedBytes -= this.queue[index]!.bytes;
      entry = { response, bytes: options.sizeOf(response), key };
      this.queue[index] = entry;
      options.onDropped?.('superseded', 1);
    }
    this.queuedBytes += entry.bytes;
    const waiting = this.queuedBytes + this.inFlightBytes;
    if (waiting > options.maxQueuedBytes) return this.blocked(`${waiting} bytes of responses wait for the client (limit ${options.maxQueuedBytes})`);
    this.scheduleFlush();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.cancelTimer?.();
    if (this.queue.length > 0) this.options.onDropped?.('stream_closed', this.queue.length);
    this.queue = [];
    this.queuedBytes = 0;
  }

  waiting(): number {
    return this.queue.length;
  }

  private blocked(reason: string): void {
    if (this.closed) return;
    this.close();
    this.options.onBlocked(reason);
  }

  private scheduleFlush(): void {
    if (this.flushScheduled || this.writing || this.closed) return;
    this.flushScheduled = true;
    (this.options.defer ?? setImmediateTwice)(() => {
      this.flushScheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    const { options } = this;
    if (this.closed || this.writing) return;
    if (options.writer.gone()) return this.close();
    const next = this.queue.shift();
    if (!next) return;
    this.queuedBytes -= next.bytes;
    this.inFlightBytes = next.bytes;
    this.writing = true;
    this.cancelTimer = (options.setTimer ?? unrefTimer)(() => this.blocked(`the client has not read a response for ${options.maxBlockedMs} ms`), options.maxBlockedMs);
    options.onWritten?.();
    options.writer.write(next.response, () => {
      this.cancelTimer?.();
      this.cancelTimer = undefined;
      this.writing = false;
      this.inFlightBytes = 0;
      this.scheduleFlush();
    });
  }
}
