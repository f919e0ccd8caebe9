/** Counts by health over the whole graph, with icons: the first thing an on-call reader looks at. */
import type { Health } from '../../contract.js';
import { HEALTH_ICON, HEALTH_LABEL, HEALTH_ORDER } from '../model/health.js';

export function TotalsBar({ totals, controllerName, translatedAt }: { totals: Record<Health, number>; controllerName: string; translatedAt: string }) {
  return (
    <div class="totals">
      <ul class="totals-counts" aria-label="Objects by health">
        {HEALTH_ORDER.map((h) => (
          <li key={h} class={`health-tag health-${h}`} data-total={h}>
            <span aria-hidden="true">{HEALTH_ICON[h]}</span> {totals[h]} {HEALTH_LABEL[h]}
          </li>
        ))}
      </ul>
      <p class="muted totals-meta">
        {controllerName} · translated <time dateTime={translatedAt}>{new Date(translatedAt).toLocaleTimeString()}</time>
      </p>
    </div>
  );
}
