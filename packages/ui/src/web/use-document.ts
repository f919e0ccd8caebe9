/**
 * One document of `/ui/api/*` kept current: `refresh()` refetches it, and calls made while a fetch is
 * in flight fold into one more fetch after it, so a burst of change events costs at most two requests.
 * A fetch that brings the version already shown changes nothing (no re-render, no new layout).
 */
import { useCallback, useRef, useState } from 'preact/hooks';

export interface LiveDocument<T> {
  doc: T | undefined;
  /** Why the last fetch failed; cleared by the next success. */
  error: string | undefined;
  refresh(): void;
}

export function useDocument<T extends { version: string }>(fetcher: () => Promise<T>): LiveDocument<T> {
  const [doc, setDoc] = useState<T | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const flight = useRef({ busy: false, again: false });

  const refresh = useCallback((): void => {
    const state = flight.current;
    if (state.busy) {
      state.again = true;
      return;
    }
    state.busy = true;
    fetcher()
      .then(
        (fetched) => {
          setDoc((shown) => (shown?.version === fetched.version ? shown : fetched));
          setError(undefined);
        },
        (err: unknown) => setError(err instanceof Error ? err.message : String(err)),
      )
      .finally(() => {
        state.busy = false;
        if (state.again) {
          state.again = false;
          refresh();
        }
      });
  }, [fetcher]);

  return { doc, error, refresh };
}
