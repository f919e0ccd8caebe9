/**
 * Every check `portico diagnose` runs, in the chain's order. A check is a pure function of the
 * DiagnoseInput (findings.ts); add new ones here.
 */
import type { Check } from '../findings.js';
import { shadowingCheck } from './shadowing.js';

export const ALL_CHECKS: readonly Check[] = [
  shadowingCheck,
];
