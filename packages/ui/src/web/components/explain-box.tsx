/**
 * "Where does this request go?" (DOM contract: form#explain, #explain-url, #explain-gateway,
 * #explain-method, #explain-headers, #explain-submit; the answer in #explain-result[data-outcome]).
 * `GET /ui/api/explain` runs `portico explain` on the served xDS; the path lights up in the graph.
 */
import { useRef, useState } from 'preact/hooks';
import type { ExplainDocument, NodeId } from '../../contract.js';
import { fetchExplain, isAbort } from '../api.js';
import { explainOutcome, explainQuery, type ExplainForm } from '../model/explain-path.js';

export interface ExplainBoxProps {
  gateways: readonly string[];
  /** The answer's path, or undefined when the result is cleared. */
  onPath(path: readonly NodeId[] | undefined): void;
  onOpen(id: NodeId): void;
}

type Result = { state: 'idle' } | { state: 'running' } | { state: 'done'; doc: ExplainDocument } | { state: 'failed'; message: string };

const OUTCOME_OK = new Set(['forwarded', 'redirect', 'direct-response']);

export function ExplainBox({ gateways, onPath, onOpen }: ExplainBoxProps) {
  const [form, setForm] = useState<ExplainForm>({ url: '', gateway: '', method: 'GET', headers: '' });
  const [result, setResult] = useState<Result>({ state: 'idle' });
  const running = useRef<AbortController | undefined>(undefined);

  const submit = (event: Event): void => {
    event.preventDefault();
    const query = explainQuery(form);
    if (!query.ok) {
      setResult({ state: 'failed', message: query.error });
      onPath(undefined);
      return;
    }
    running.current?.abort();
    const abort = (running.current = new AbortController());
    setResult({ state: 'running' });
    fetchExplain(query.query, abort.signal).then(
      (doc) => {
        setResult({ state: 'done', doc });
        onPath(doc.path);
      },
      (err: unknown) => {
        if (isAbort(err)) return;
        setResult({ state: 'failed', message: err instanceof Error ? err.message : String(err) });
        onPath(undefined);
      },
    );
  };

  const clear = (): void => {
    running.current?.abort();
    setResult({ state: 'idle' });
    onPath(undefined);
  };

  const field = (name: keyof ExplainForm) => (e: Event) => setForm({ ...form, [name]: (e.currentTarget as HTMLInputElement).value });
  const outcome = result.state === 'done' ? explainOutcome(result.doc) : undefined;

  return (
    <section class="panel explain" aria-labelledby="explain-heading">
      <h2 id="explain-heading">Explain a request</h2>
      <form id="explain" onSubmit={submit}>
        <label for="explain-url">URL</label>
        <input id="explain-url" type="url" required placeholder="http://shop.example.com:8080/api" value={form.url} onInput={field('url')} autocomplete="off" spellcheck={false} />
        <div class="explain-row">
          <span>
            <label for="explain-method">Method</label>
            <input id="explain-method" value={form.method} onInput={field('method')} size={8} autocomplete="off" spellcheck={false} />
          </span>
          <span>
            <label for="explain-gateway">Gateway</label>
            <select id="explain-gateway" value={form.gateway} onChange={field('gateway')}>
              <option value="">any</option>
              {gateways.map((g) => (
                <option key={g} value={g}>
                  {g}
                </option>
              ))}
            </select>
          </span>
        </div>
        <label for="explain-headers">Headers (one "Name: value" per line)</label>
        <textarea id="explain-headers" rows={2} value={form.headers} onInput={field('headers')} spellcheck={false} />
        <div class="explain-row">
          <button id="explain-submit" type="submit" disabled={result.state === 'running'}>
            Explain
          </button>
          {result.state !== 'idle' && (
            <button type="button" onClick={clear}>
              Clear
            </button>
          )}
        </div>
      </form>
      <div aria-live="polite">
        {result.state === 'running' && <p class="muted">Explaining…</p>}
        {result.state === 'failed' && (
          <p id="explain-error" class="error-text" role="alert">
            {result.message}
          </p>
        )}
        {result.state === 'done' && (
          <div id="explain-result" data-outcome={outcome}>
            <p class={`health-tag health-${OUTCOME_OK.has(outcome!) ? 'ok' : 'error'}`}>
              <span aria-hidden="true">{OUTCOME_OK.has(outcome!) ? '✔' : '✖'}</span> {result.doc.summary}
            </p>
            {result.doc.path.length > 0 && (
              <ol class="explain-path" aria-label="Path through the graph (highlighted)">
                {result.doc.path.map((id) => (
                  <li key={id}>
                    <button type="button" class="link" onClick={() => onOpen(id)}>
                      {id}
                    </button>
                  </li>
                ))}
              </ol>
            )}
            <details>
              <summary>Full explanation</summary>
              <pre class="code">{JSON.stringify(result.doc.explanation, null, 2)}</pre>
            </details>
          </div>
        )}
      </div>
    </section>
  );
}
