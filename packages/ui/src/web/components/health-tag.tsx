import type { Health } from '../../contract.js';
import { HEALTH_ICON, HEALTH_LABEL } from '../model/health.js';

/** Health in HTML text: icon and word, coloured by class (the colour is never the only sign). */
export function HealthTag({ health }: { health: Health }) {
  return (
    <span class={`health-tag health-${health}`}>
      <span aria-hidden="true">{HEALTH_ICON[health]}</span> {HEALTH_LABEL[health]}
    </span>
  );
}
