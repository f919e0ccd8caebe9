/**
 * A block of YAML or JSON. Short texts render whole (searchable, copyable); long ones (a gateway's xDS
 * at 1,000 routes runs to tens of thousands of lines) render only the lines in view. Styles are set through
 * the CSSOM (Preact's style objects), which the page's CSP (`default-src 'self'`) allows.
 */
import { useState } from 'preact/hooks';
import { virtualWindow } from '../model/virtual-window.js';

const WHOLE_LIMIT = 2000;
const LINE_HEIGHT = 18;
const VIEWPORT = 360;

export function CodeBlock({ id, text, label }: { id: string; text: string; label: string }) {
  const lines = text.split('\n');
  const [scrollTop, setScrollTop] = useState(0);
  if (lines.length <= WHOLE_LIMIT) {
    return (
      <pre id={id} class="code" tabindex={0} aria-label={label}>
        {text}
      </pre>
    );
  }
  const w = virtualWindow({ count: lines.length, rowHeight: LINE_HEIGHT, scrollTop, viewportHeight: VIEWPORT, overscan: 20 });
  return (
    <pre id={id} class="code code-virtual" tabindex={0} aria-label={`${label} (${lines.length} lines)`} onScroll={(e) => setScrollTop((e.currentTarget as HTMLElement).scrollTop)}>
      <div class="virtual-spacer" style={{ height: `${w.totalHeight}px` }}>
        <div class="virtual-rows" style={{ transform: `translateY(${w.offsetTop}px)` }}>
          {lines.slice(w.start, w.end).join('\n')}
        </div>
      </div>
    </pre>
  );
}
