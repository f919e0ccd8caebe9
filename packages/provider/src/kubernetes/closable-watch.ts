/**
 * client-node's Watch, made safe to stop, for the informers' ListWatch (what `makeInformer` builds,
 * with this Watch in place of the plain one).
 *
 * ListWatch.stop() aborts only the watch request it already holds: a re-watch still connecting (the
 * watch is re-opened whenever the API server ends it) would be established after stop() and live on,
 * keeping the process up. This Watch remembers every request it opened, aborts them all on close(),
 * aborts a request that finishes connecting after close(), and opens none after it.
 *
 * It also asks for bookmarks: they keep the informer's resourceVersion recent, so after an API server
 * restart the watch resumes where it was instead of failing with 410 Gone and relisting everything.
 */
import { Watch } from '@kubernetes/client-node';

type QueryParams = Record<string, string | number | boolean | undefined>;
type WatchCallback = (phase: string, apiObj: unknown, watchObj?: unknown) => void;

/** What an informer's error callback receives for a watch refused after close(). */
export class WatchClosedError extends Error {
  constructor() {
    super('watch closed');
    this.name = 'WatchClosedError';
  }
}

export class ClosableWatch extends Watch {
  private closed = false;
  private readonly open = new Set<AbortController>();

  override async watch(path: string, queryParams: QueryParams, callback: WatchCallback, done: (err: unknown) => void): Promise<AbortController> {
    if (this.closed) {
      const refused = new AbortController();
      refused.abort();
      done(new WatchClosedError());
      return refused;
    }
    let controller: AbortController | undefined;
    let ended = false;
    const finish = (err: unknown) => {
      ended = true;
      if (controller) this.open.delete(controller);
      done(err);
    };
    try {
      controller = await super.watch(path, { ...queryParams, allowWatchBookmarks: true }, callback, finish);
    } catch (err) {
      // Watch.watch throws (rather than calling done) when the credentials cannot be prepared, e.g. an
      // exec plugin fails. ListWatch does not expect that on a re-watch, and an unhandled rejection
      // would end the process: report it through done like any other failure.
      const failed = new AbortController();
      failed.abort();
      finish(err);
      return failed;
    }
    if (this.closed) controller.abort();
    else if (!ended) this.open.add(controller);
    return controller;
  }

  /** Aborts every open watch request; later ones are refused. */
  close(): void {
    this.closed = true;
    for (const controller of this.open) controller.abort();
    this.open.clear();
  }
}
