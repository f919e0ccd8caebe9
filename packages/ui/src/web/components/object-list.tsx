/**
 * Every object that passes the filters, including those folded into collapsed groups, as a virtualised
 * list: only the rows in view are in the DOM, so 1,000 routes scroll as fast as 10. The list is one Tab
 * stop; the arrow keys, Home and End move within it (a roving tabindex), Enter opens the details.
 */
import { useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { GraphNode } from '../../contract.js';
import { qualifiedName } from '../model/labels.js';
import { scrollToRow, virtualWindow } from '../model/virtual-window.js';
import { HealthTag } from './health-tag.js';

const ROW_HEIGHT = 34;
const VIEWPORT = 340;

export function ObjectList({ nodes, selectedId, onOpen }: { nodes: readonly GraphNode[]; selectedId: string | undefined; onOpen(id: string): void }) {
  const [scrollTop, setScrollTop] = useState(0);
  const [active, setActive] = useState(0);
  const [focusWanted, setFocusWanted] = useState(false);
  const viewport = useRef<HTMLDivElement>(null);
  const current = Math.min(active, Math.max(0, nodes.length - 1));
  const w = virtualWindow({ count: nodes.length, rowHeight: ROW_HEIGHT, scrollTop, viewportHeight: VIEWPORT });
  // The Tab stop: the active row, or the first one drawn when the mouse scrolled the active one away.
  const tabRow = current >= w.start && current < w.end ? current : w.start;

  // Before paint, so a key pressed right after lands on the row just moved to.
  useLayoutEffect(() => {
    if (!focusWanted) return;
    setFocusWanted(false);
    viewport.current?.querySelector<HTMLButtonElement>(`[data-row-index="${current}"]`)?.focus();
  }, [focusWanted, current]);

  const moveTo = (row: number): void => {
    const target = Math.max(0, Math.min(nodes.length - 1, row));
    const el = viewport.current;
    const top = el ? scrollToRow(target, ROW_HEIGHT, el.scrollTop, el.clientHeight) : undefined;
    if (el && top !== undefined) {
      el.scrollTop = top;
      setScrollTop(top);
    }
    setActive(target);
    setFocusWanted(true);
  };

  const onKeyDown = (event: KeyboardEvent): void => {
    const page = Math.floor(VIEWPORT / ROW_HEIGHT);
    const moves: Record<string, number> = { ArrowDown: current + 1, ArrowUp: current - 1, PageDown: current + page, PageUp: current - page, Home: 0, End: nodes.length - 1 };
    const to = moves[event.key];
    if (to === undefined) return;
    event.preventDefault();
    moveTo(to);
  };

  return (
    <section class="panel objects" aria-labelledby="objects-heading">
      <h2 id="objects-heading">Objects ({nodes.length})</h2>
      <div class="object-list" ref={viewport} onScroll={(e) => setScrollTop((e.currentTarget as HTMLElement).scrollTop)} onKeyDown={onKeyDown}>
        <div class="virtual-spacer" style={{ height: `${w.totalHeight}px` }}>
          <ul class="virtual-rows" aria-label="Objects matching the filters" style={{ transform: `translateY(${w.offsetTop}px)` }}>
            {nodes.slice(w.start, w.end).map((node, i) => {
              const index = w.start + i;
              return (
                <li key={node.id} class="object-row" aria-setsize={nodes.length} aria-posinset={index + 1}>
                  <button
                    type="button"
                    data-row-index={index}
                    data-row-id={node.id}
                    tabindex={index === tabRow ? 0 : -1}
                    aria-current={node.id === selectedId ? 'true' : undefined}
                    onClick={() => {
                      setActive(index);
                      onOpen(node.id);
                    }}
                  >
                    <HealthTag health={node.health} />
                    <span class="object-kind">{node.kind}</span>
                    <span class="object-name">{qualifiedName(node)}</span>
                    <span class="object-summary">{node.summary}</span>
                  </button>
                </li>
              );
            })}
          </ul>
        </div>
      </div>
    </section>
  );
}
