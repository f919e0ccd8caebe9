/**
 * The page's one live channel: `GET /ui/api/events` (server-sent events). The page refetches a document
 * only when a `changed` event names a version it does not show; it never polls. EventSource reconnects
 * by itself after a dropped stream; only when it gives up (the server answered an error) does this open
 * a new one, after a growing delay.
 */
import type { ChangedEvent } from '../contract.js';

export type LiveState = 'connected' | 'reconnecting';

export interface LiveHandlers {
  onChanged(event: ChangedEvent): void;
  onState(state: LiveState): void;
}

const EVENTS_URL = '/ui/api/events';
const MAX_RETRY_MS = 30_000;

function parseChanged(data: string): ChangedEvent | undefined {
  try {
    const parsed: unknown = JSON.parse(data);
    if (typeof parsed !== 'object' || parsed === null) return undefined;
    const { graph, dataplane } = parsed as Record<string, unknown>;
    return typeof graph === 'string' && typeof dataplane === 'string' ? { graph, dataplane } : undefined;
  } catch {
    return undefined;
  }
}

/** Opens the stream; the returned function closes it for good. */
export function subscribeToChanges(handlers: LiveHandlers): () => void {
  let source: EventSource | undefined;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let retryMs = 1000;
  let closed = false;

  const open = (): void => {
    source = new EventSource(EVENTS_URL);
    source.onopen = () => {
      retryMs = 1000;
      handlers.onState('connected');
    };
    source.addEventListener('changed', (event) => {
      const changed = parseChanged((event as MessageEvent<string>).data);
      if (changed) handlers.onChanged(changed);
    });
    source.onerror = () => {
      handlers.onState('reconnecting');
      if (source?.readyState !== EventSource.CLOSED || closed) return;
      retryTimer = setTimeout(open, retryMs);
      retryMs = Math.min(retryMs * 2, MAX_RETRY_MS);
    };
  };
  open();
  return () => {
    closed = true;
    clearTimeout(retryTimer);
    source?.close();
  };
}
