/**
 * The details of one node (DOM contract: #details with data-node-id; #details-yaml, #details-findings
 * with one [data-finding-code] per finding, #details-ir, #details-xds), fetched from /ui/api/object.
 */
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { Badge, GraphNode, ObjectDetails } from '../../contract.js';
import { fetchObject, isAbort } from '../api.js';
import { HEALTH_ICON } from '../model/health.js';
import { qualifiedName } from '../model/labels.js';
import { CodeBlock } from './code-block.js';
import { HealthTag } from './health-tag.js';

export interface DetailsPanelProps {
  id: string;
  /** The node as the current graph has it; undefined when it left the graph. */
  node: GraphNode | undefined;
  /** Refetches when the graph changes: the object's status may have. */
  graphVersion: string;
  /** Present for a Gateway whose group can fold. */
  onCollapse?: () => void;
  onClose(): void;
}

type Loaded = { state: 'loading' } | { state: 'loaded'; details: ObjectDetails } | { state: 'failed'; message: string };

function Finding({ badge }: { badge: Badge }) {
  const health = badge.level === 'FAIL' ? 'error' : 'warning';
  return (
    <li class={`finding finding-${health}`} data-finding-code={badge.code}>
      <p class="finding-head">
        <span class={`health-tag health-${health}`}>
          <span aria-hidden="true">{HEALTH_ICON[health]}</span> {badge.level}
        </span>{' '}
        <code>{badge.code}</code>
        {badge.field && <span class="finding-field"> at {badge.field}</span>}
      </p>
      <p>{badge.message}</p>
      {badge.fix && (
        <div class="finding-fix">
          <span class="finding-fix-label">Fix:</span>
          <pre class="code">{badge.fix}</pre>
        </div>
      )}
    </li>
  );
}

export function DetailsPanel({ id, node, graphVersion, onCollapse, onClose }: DetailsPanelProps) {
  const [loaded, setLoaded] = useState<Loaded>({ state: 'loading' });
  const heading = useRef<HTMLHeadingElement>(null);

  // Focus moves into the panel as it opens (before paint: a key pressed next acts here).
  useLayoutEffect(() => {
    heading.current?.focus();
  }, [id]);

  useEffect(() => {
    if (!node) return;
    setLoaded((previous) => (previous.state === 'loaded' && previous.details.id === id ? previous : { state: 'loading' }));
    const abort = new AbortController();
    fetchObject(id, abort.signal).then(
      (details) => setLoaded({ state: 'loaded', details }),
      (err: unknown) => {
        if (!isAbort(err)) setLoaded({ state: 'failed', message: err instanceof Error ? err.message : String(err) });
      },
    );
    return () => abort.abort();
    // The node object changes with every graph; its id, the graph's version and its presence are what matter.
  }, [id, graphVersion, node === undefined]);

  const details = loaded.state === 'loaded' && loaded.details.id === id ? loaded.details : undefined;
  const missing = (what: string): string => (details ? `No ${what} for this object.` : node && loaded.state === 'loading' ? 'Loading…' : 'Not available.');
  return (
    <aside id="details" data-node-id={id} aria-labelledby="details-heading" class="details">
      <header class="details-header">
        <h2 id="details-heading" tabindex={-1} ref={heading}>
          {node ? `${node.kind} ${qualifiedName(node)}` : id}
        </h2>
        <button type="button" class="details-close" onClick={onClose} aria-label="Close details (Escape)">
          ✕
        </button>
      </header>
      {node ? (
        <p class="details-summary">
          <HealthTag health={node.health} /> {node.summary}
        </p>
      ) : (
        <p class="details-summary">This object is no longer in the graph.</p>
      )}
      {onCollapse && (
        <button type="button" onClick={onCollapse}>
          Collapse this gateway
        </button>
      )}
      {loaded.state === 'failed' && (
        <p class="error-text" role="alert">
          {loaded.message}
        </p>
      )}
      <section aria-labelledby="details-findings-heading">
        <h3 id="details-findings-heading">Findings</h3>
        <ul id="details-findings" class="findings">
          {(details?.badges ?? node?.badges ?? []).map((b, i) => (
            <Finding key={`${b.code}-${i}`} badge={b} />
          ))}
        </ul>
        {(details?.badges ?? node?.badges ?? []).length === 0 && <p class="muted">No findings.</p>}
      </section>
      {node && node.conditions.length > 0 && (
        <section aria-labelledby="details-conditions-heading">
          <h3 id="details-conditions-heading">Conditions</h3>
          <ul class="conditions">
            {node.conditions.map((c, i) => (
              <li key={i}>
                <code>
                  {c.type}={c.status}
                </code>{' '}
                {c.reason}
                {c.parent ? ` (${c.parent})` : ''}: {c.message}
              </li>
            ))}
          </ul>
        </section>
      )}
      <section aria-labelledby="details-yaml-heading">
        <h3 id="details-yaml-heading">Object and status</h3>
        {details ? <CodeBlock id="details-yaml" label="YAML with status" text={details.yaml} /> : <p id="details-yaml" class="muted">{missing('YAML')}</p>}
      </section>
      <section aria-labelledby="details-ir-heading">
        <h3 id="details-ir-heading">IR</h3>
        {details?.ir ? <CodeBlock id="details-ir" label="IR" text={details.ir} /> : <p id="details-ir" class="muted">{missing('IR')}</p>}
      </section>
      <section aria-labelledby="details-xds-heading">
        <h3 id="details-xds-heading">xDS</h3>
        {details?.xds ? <CodeBlock id="details-xds" label="xDS" text={details.xds} /> : <p id="details-xds" class="muted">{missing('xDS')}</p>}
      </section>
    </aside>
  );
}
