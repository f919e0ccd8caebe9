/** Every scenario of the five upstream feature files, feature by feature in upstream's file order. */
import { DEFAULT_BACKEND_SCENARIOS } from './default-backend.js';
import { HOST_RULES_SCENARIOS } from './host-rules.js';
import { INGRESS_CLASS_SCENARIOS } from './ingress-class.js';
import { LOAD_BALANCING_SCENARIOS } from './load-balancing.js';
import { PATH_RULES_SCENARIOS } from './path-rules.js';
import type { IngressScenario } from './scenario-types.js';

export const INGRESS_SCENARIOS: readonly IngressScenario[] = [
  ...DEFAULT_BACKEND_SCENARIOS,
  ...HOST_RULES_SCENARIOS,
  ...INGRESS_CLASS_SCENARIOS,
  ...LOAD_BALANCING_SCENARIOS,
  ...PATH_RULES_SCENARIOS,
];
